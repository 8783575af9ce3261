using System;
using AttentionGen;
using AttentionGen.Runtime;

namespace AttentionGen.Sample;

// A decoding step over a KV cache (cross-attention with bottom-right alignment, grouped-query heads, key padding)
// and graph attention (a boolean adjacency mask), each checked against the float64 reference.

[Attention(seqLen: 1, dim: 256, heads: 8, KeyLen = 64, KvHeads = 2, Causal = true, CausalAlignment = CausalAlignment.BottomRight)]
public partial struct DecodeStep { }           // one new token; a cache of up to 64 keys; 8 query heads share 2 K/V heads

[Attention(seqLen: 6, dim: 16, heads: 2)]      // 6 graph nodes, 16-dim features
public partial struct GraphAttention { }

/// <summary>The feature-set examples of the sample.</summary>
public static class Features
{
    /// <summary>Runs both examples and prints them; returns false if either is off the float64 reference.</summary>
    public static bool Run()
    {
        var rng = new Random(11);
        float[] Draw(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }

        // ---- A decoding step: the cache holds 41 of its 64 slots; the padding is never read (NaN there is harmless).
        const int Filled = 41;
        float[] q = Draw(DecodeStep.SeqLen * DecodeStep.Dim);
        float[] kCache = Draw(DecodeStep.KeyLen * DecodeStep.KvDim), vCache = Draw(kCache.Length);
        Array.Fill(kCache, float.NaN, Filled * DecodeStep.KvDim, (DecodeStep.KeyLen - Filled) * DecodeStep.KvDim);
        Array.Fill(vCache, float.NaN, Filled * DecodeStep.KvDim, (DecodeStep.KeyLen - Filled) * DecodeStep.KvDim);
        float[] o = new float[q.Length];
        float[] weights = new float[DecodeStep.Heads * DecodeStep.SeqLen * DecodeStep.KeyLen];
        DecodeStep.Attend(q, kCache, vCache, o, validKeys: Filled, weights);

        double[] expected = new double[o.Length];
        AttentionReference.Attend(DecodeStep.Problem, q, kCache, vCache, expected, KernelMask.Padding(Filled));
        double stepError = MaxError(o, expected);
        double paddingWeight = 0;
        for (int h = 0; h < DecodeStep.Heads; h++)
            for (int j = Filled; j < DecodeStep.KeyLen; j++) paddingWeight += weights[h * DecodeStep.KeyLen + j];
        Console.WriteLine();
        Console.WriteLine($"DecodeStep: 1 token over a KV cache of {Filled}/{DecodeStep.KeyLen} keys, {DecodeStep.Heads} query heads on {DecodeStep.KvHeads} K/V heads");
        Console.WriteLine($"  output finite: {Array.TrueForAll(o, float.IsFinite)} (the padding holds NaN),  weight on padding: {paddingWeight},  max |error| vs float64: {stepError:E2}");

        // ---- Graph attention: node i attends to its neighbours (and itself); node 5 has no edge at all.
        bool[,] edges = { { true, true, false, false, true, false }, { true, true, true, false, false, false }, { false, true, true, true, false, false },
                          { false, false, true, true, true, false }, { true, false, false, true, true, false }, { false, false, false, false, false, false } };
        const int N = GraphAttention.SeqLen;
        bool[] adjacency = new bool[N * N];
        for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) adjacency[i * N + j] = edges[i, j];
        float[] x = Draw(N * GraphAttention.Dim);
        float[] y = new float[x.Length];
        float[] w = new float[GraphAttention.Heads * N * N];
        GraphAttention.AttendMasked(x, x, x, y, (ReadOnlySpan<bool>)adjacency, w);
        double[] graphExpected = new double[y.Length];
        AttentionReference.Attend(GraphAttention.Problem, x, x, x, graphExpected, KernelMask.FromAllowed(adjacency));
        double graphError = MaxError(y, graphExpected);
        Console.WriteLine();
        Console.WriteLine("GraphAttention: weights of head 0 (rows: nodes, columns: neighbours; '.' = no edge)");
        for (int i = 0; i < N; i++)
        {
            Console.Write($"  node {i}:");
            for (int j = 0; j < N; j++) Console.Write(adjacency[i * N + j] ? $" {w[i * N + j],5:F2}" : "     .");
            Console.WriteLine(i == 5 ? "   (no edge: output row is 0)" : "");
        }
        bool isolatedIsZero = Array.TrueForAll(y[(5 * GraphAttention.Dim)..(6 * GraphAttention.Dim)], value => value == 0f);
        Console.WriteLine($"  max |error| vs float64: {graphError:E2}; isolated node's output is zero: {isolatedIsZero}");

        return stepError < 1e-4 && Array.TrueForAll(o, float.IsFinite) && paddingWeight == 0 && graphError < 1e-4 && isolatedIsZero;
    }

    private static double MaxError(float[] actual, double[] expected)
    {
        double m = 0;
        for (int i = 0; i < actual.Length; i++) m = Math.Max(m, Math.Abs(actual[i] - expected[i]));
        return m;
    }
}
