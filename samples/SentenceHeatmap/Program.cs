// "the cat walks on the street": the basic form of self-attention, Y = softmax(X Xᵀ) X, over toy word
// embeddings, and a heatmap of the attention weights written to an SVG file.
//
//   dotnet run -c Release [-- output.svg]        (default: attention-heatmap.svg)
//
// The kernel returns Y and, through its weights overload, the attention weights softmax(X Xᵀ) that the heatmap
// draws; both are checked against the float64 reference.
using System;
using System.Globalization;
using System.IO;
using System.Text;
using AttentionGen;

string path = args.Length > 0 ? args[0] : "attention-heatmap.svg";
string[] words = { "the", "cat", "walks", "on", "the", "street" };

// One row per word, [SeqLen, Dim] row-major: the layout every kernel takes.
float[] x = ToyEmbeddings(words, SentenceAttention.Dim);
float[] y = new float[x.Length];
int n = SentenceAttention.SeqLen;
float[] kernelWeights = new float[SentenceAttention.Heads * n * n];   // [Heads, SeqLen, SeqLen]
SentenceAttention.Attend(x, x, x, y, kernelWeights);                  // Y = softmax(X Xᵀ · 1) X, and the weights

// The float64 reference, to check the kernel's output and weights against.
double[] referenceWeights = new double[n * n];
double[] reference = new double[x.Length];
AttentionReference.Attend(x, x, x, reference, n, n, SentenceAttention.Dim, SentenceAttention.Heads,
                          SentenceAttention.Scale, SentenceAttention.Causal, referenceWeights);
double[] weights = Array.ConvertAll(kernelWeights, w => (double)w);

Console.WriteLine("Attention weights: row i = how much word i takes from word j (each row sums to 1)");
Console.Write("        ");
foreach (string w in words) Console.Write($"{w,8}");
Console.WriteLine();
for (int i = 0; i < n; i++)
{
    Console.Write($"{words[i],8}");
    for (int j = 0; j < n; j++) Console.Write($"{weights[i * n + j],8:F3}");
    Console.WriteLine();
}

double maxError = 0, maxWeightError = 0;
for (int i = 0; i < y.Length; i++) maxError = Math.Max(maxError, Math.Abs(y[i] - reference[i]));
for (int i = 0; i < weights.Length; i++) maxWeightError = Math.Max(maxWeightError, Math.Abs(weights[i] - referenceWeights[i]));
Console.WriteLine($"kernel vs float64 reference: max |error| {maxError:E2} (output), {maxWeightError:E2} (weights)");

File.WriteAllText(path, Heatmap(words, weights));
Console.WriteLine($"heatmap written to {Path.GetFullPath(path)}");

// Both "the" rows are equal (same embedding, no positions in basic attention): a property worth checking.
bool theRowsEqual = true;
for (int d = 0; d < SentenceAttention.Dim; d++) theRowsEqual &= y[0 * SentenceAttention.Dim + d] == y[4 * SentenceAttention.Dim + d];
return maxError < 1e-5 && maxWeightError < 1e-5 && theRowsEqual ? 0 : 1;

static float[] ToyEmbeddings(string[] words, int dim)
{
    // A fixed pseudo-random vector per distinct word (seeded by its letters), scaled to length 2: a real model's
    // embedding table would be looked up here instead.
    float[] e = new float[words.Length * dim];
    for (int i = 0; i < words.Length; i++)
    {
        int seed = 17;
        foreach (char c in words[i]) seed = seed * 31 + c;
        var rng = new Random(seed);
        Span<float> row = e.AsSpan(i * dim, dim);
        double norm = 0;
        for (int d = 0; d < dim; d++) { row[d] = (float)(rng.NextDouble() * 2 - 1); norm += row[d] * row[d]; }
        for (int d = 0; d < dim; d++) row[d] = (float)(row[d] / Math.Sqrt(norm) * 2);
    }
    return e;
}

static string Heatmap(string[] words, double[] weights)
{
    // A plain SVG: one rect per weight, white (0) to dark blue (1), the value printed in each cell.
    const int cell = 64, left = 90, top = 90;
    int n = words.Length, size = n * cell;
    var inv = CultureInfo.InvariantCulture;
    var svg = new StringBuilder();
    svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + size + 20}\" height=\"{top + size + 40}\" font-family=\"sans-serif\" font-size=\"14\">\n");
    svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.Append(inv, $"<text x=\"{left}\" y=\"24\" font-size=\"16\">Self-attention weights softmax(X Xᵀ), row = query word</text>\n");
    for (int j = 0; j < n; j++)
    {
        svg.Append(inv, $"<text x=\"{left + j * cell + cell / 2}\" y=\"{top - 10}\" text-anchor=\"middle\">{words[j]}</text>\n");
    }
    for (int i = 0; i < n; i++)
    {
        svg.Append(inv, $"<text x=\"{left - 10}\" y=\"{top + i * cell + cell / 2 + 5}\" text-anchor=\"end\">{words[i]}</text>\n");
        for (int j = 0; j < n; j++)
        {
            double w = weights[i * n + j];
            int r = (int)Math.Round(255 - w * (255 - 8)), g = (int)Math.Round(255 - w * (255 - 48)), b = (int)Math.Round(255 - w * (255 - 107));
            string text = w > 0.5 ? "white" : "black";
            svg.Append(inv, $"<rect x=\"{left + j * cell}\" y=\"{top + i * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({r},{g},{b})\" stroke=\"#ccc\"/>");
            svg.Append(inv, $"<text x=\"{left + j * cell + cell / 2}\" y=\"{top + i * cell + cell / 2 + 5}\" text-anchor=\"middle\" fill=\"{text}\">{w:F2}</text>\n");
        }
    }
    svg.Append("</svg>\n");
    return svg.ToString();
}

// Six words, embedding dimension 8, one head; Scale = 1 gives the basic form softmax(X Xᵀ) X.
[Attention(seqLen: 6, dim: 8, heads: 1, Scale = 1f)]
public partial struct SentenceAttention { }
