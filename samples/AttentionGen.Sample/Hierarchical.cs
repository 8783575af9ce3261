using System;
using System.Linq;
using AttentionGen;

namespace AttentionGen.Sample;

// Hierarchical attention (as in hierarchical attention networks): a learned word query pools each sentence's
// words into a sentence vector, a learned sentence query pools the sentences into a document vector.
// Sentences have different lengths: they sit in a padded [8, 16] buffer and Pool(…, validRows) reads only
// the real words.

[Attention(seqLen: 8, dim: 16, heads: 2)]      // up to 8 words per sentence, 16-dim embeddings, 2 heads of 8
public partial struct WordPooling { }

[Attention(seqLen: 4, dim: 16, heads: 2)]      // 4 sentences per document
public partial struct SentencePooling { }

/// <summary>Word → sentence → document with <c>Pool</c>, checked against the float64 reference.</summary>
public static class Hierarchical
{
    private static readonly string[][] Document =
    {
        "the market closed higher today".Split(' '),
        "my cat purrs on the sofa".Split(' '),
        "rain is expected tomorrow".Split(' '),
        "the dog barks at the kitten next door".Split(' '),
    };

    // Words about animals share a direction of the embedding space; the "learned" queries look along it.
    private static readonly string[] AnimalWords = { "cat", "purrs", "dog", "barks", "kitten" };

    /// <summary>Runs the example and prints it; returns false if a level is off the float64 reference.</summary>
    public static bool Run()
    {
        const int D = WordPooling.Dim;
        float[] animal = Unit(new Random(7), D);
        float[] wordQuery = animal.Select(a => 6f * a).ToArray();       // head h's query: columns [8h, 8h + 8)
        float[] sentenceQuery = animal.Select(a => 6f * a).ToArray();

        Console.WriteLine();
        Console.WriteLine($"Hierarchical attention: words → sentences → document (Pool, {WordPooling.Heads} heads × head dim {WordPooling.HeadDim})");

        // Level 1: each sentence's words, padded to WordPooling.SeqLen rows, pooled over its real length.
        float[] sentences = new float[SentencePooling.SeqLen * D];     // the sentence vectors, [4, 16]
        float[] words = new float[WordPooling.SeqLen * D];
        double wordError = 0;
        for (int s = 0; s < Document.Length; s++)
        {
            string[] sentence = Document[s];
            Array.Fill(words, float.NaN);                                // padding: never read by Pool(…, validRows)
            for (int i = 0; i < sentence.Length; i++) Embed(sentence[i], animal).CopyTo(words, i * D);
            Span<float> vector = sentences.AsSpan(s * D, D);
            WordPooling.Pool(words, wordQuery, vector, validRows: sentence.Length);

            double[] expected = ReferencePool(words, wordQuery, sentence.Length, WordPooling.Heads, WordPooling.Scale, out double[] weights);
            wordError = Math.Max(wordError, MaxError(vector, expected));
            int top = Array.IndexOf(weights, weights.Max());
            Console.WriteLine($"  sentence {s + 1}: {string.Join(" ", sentence.Select((w, i) => $"{w}({weights[i]:F2})"))}");
            Console.WriteLine($"              most weight: \"{sentence[top]}\" ({weights[top]:P0})");
        }

        // Level 2: the four sentence vectors pooled into the document vector.
        float[] document = new float[D];
        SentencePooling.Pool(sentences, sentenceQuery, document);
        double[] expectedDocument = ReferencePool(sentences, sentenceQuery, Document.Length, SentencePooling.Heads, SentencePooling.Scale, out double[] sentenceWeights);
        double documentError = MaxError(document, expectedDocument);
        Console.WriteLine($"  sentence weights in the document: {string.Join("  ", sentenceWeights.Select((w, s) => $"{s + 1}: {w:F2}"))}"
            + $"  (most: sentence {Array.IndexOf(sentenceWeights, sentenceWeights.Max()) + 1})");
        Console.WriteLine($"  document vector [0..4): {string.Join(", ", document.Take(4).Select(f => f.ToString("F4")))} …");
        Console.WriteLine($"  max |error| vs float64 reference: sentence vectors {wordError:E2}, document vector {documentError:E2}");
        Console.WriteLine("  (weights: float64, averaged over the heads; padding rows were NaN and never read)");
        return wordError < 1e-5 && documentError < 1e-5;
    }

    // Pool in float64: cross-attention of the one-row query over the first `rows` rows (AttentionReference), and
    // the head-averaged softmax weights for display.
    private static double[] ReferencePool(float[] x, float[] query, int rows, int heads, double scale, out double[] weights)
    {
        int dim = query.Length;
        float[] keys = x.AsSpan(0, rows * dim).ToArray();
        double[] output = new double[dim];
        double[] perHead = new double[heads * rows];
        AttentionReference.Attend(query, keys, keys, output, 1, rows, dim, heads, scale, causal: false, perHead);
        weights = new double[rows];
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < rows; j++) weights[j] += perHead[h * rows + j] / heads;
        return output;
    }

    // A fixed pseudo-random unit vector per word, plus the animal direction for animal words.
    private static float[] Embed(string word, float[] animal)
    {
        int seed = 17;
        foreach (char c in word) seed = seed * 31 + c;
        float[] e = Unit(new Random(seed), animal.Length);
        if (AnimalWords.Contains(word))
        {
            for (int d = 0; d < e.Length; d++) e[d] += 1.5f * animal[d];
        }
        return e;
    }

    private static float[] Unit(Random rng, int n)
    {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 2 - 1);
        float norm = MathF.Sqrt(v.Sum(a => a * a));
        return v.Select(a => a / norm).ToArray();
    }

    private static double MaxError(ReadOnlySpan<float> actual, double[] expected)
    {
        double m = 0;
        for (int i = 0; i < actual.Length; i++) m = Math.Max(m, Math.Abs(actual[i] - expected[i]));
        return m;
    }
}
