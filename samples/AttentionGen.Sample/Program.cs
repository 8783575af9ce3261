using System;
using System.Diagnostics;
using AttentionGen;
using AttentionGen.Sample;

Console.WriteLine("AttentionGen sample");
Console.WriteLine("===================");

// ---- 1. "the cat walks on the street": basic self-attention over toy embeddings -------------------------
string[] words = { "the", "cat", "walks", "on", "the", "street" };
float[] x = ToyEmbeddings(words, SentenceAttention.Dim);
float[] y = new float[x.Length];
float[] weights = new float[words.Length * words.Length];          // [Heads, SeqLen, SeqLen]
SentenceAttention.Attend(x, x, x, y, weights);                     // the output and the weights w_ij = softmax_j(x_i · x_j)

double[] reference = new double[x.Length];
double[] referenceWeights = new double[weights.Length];
AttentionReference.Attend(x, x, x, reference, words.Length, words.Length, SentenceAttention.Dim, 1, 1.0, false, referenceWeights);

Console.WriteLine();
Console.WriteLine("Attention weights (row i: how much word i draws from each word j; rows sum to 1):");
Console.Write("          ");
foreach (string w in words) Console.Write($"{w,8}");
Console.WriteLine();
for (int i = 0; i < words.Length; i++)
{
    Console.Write($"{words[i],8}  ");
    for (int j = 0; j < words.Length; j++) Console.Write($"{weights[i * words.Length + j],8:F3}");
    Console.WriteLine();
}
Console.WriteLine($"Kernel vs float64 reference, max |error| over y: {MaxError(y, reference):E2}, over the weights: {MaxError(weights, referenceWeights):E2}");
Console.WriteLine("Both \"the\" rows are identical: equal inputs get equal outputs (no positions in basic attention).");

// ---- 2. A multi-head kernel against a naive loop ---------------------------------------------------------
Console.WriteLine();
Console.WriteLine($"EncoderAttention: {EncoderAttention.Heads} heads × {EncoderAttention.SeqLen} tokens × head dim {EncoderAttention.HeadDim}");
var rng = new Random(42);
float[] q = Gaussian(rng, EncoderAttention.SeqLen * EncoderAttention.Dim);
float[] k = Gaussian(rng, q.Length);
float[] v = Gaussian(rng, q.Length);
float[] o = new float[q.Length];
float[] naive = new float[q.Length];

double kernelUs = TimeMicroseconds(() => EncoderAttention.Attend(q, k, v, o));
double naiveUs = TimeMicroseconds(() => NaiveAttention(q, k, v, naive, EncoderAttention.SeqLen, EncoderAttention.Dim, EncoderAttention.Heads, EncoderAttention.Scale));
double[] encRef = new double[q.Length];
AttentionReference.Attend(q, k, v, encRef, EncoderAttention.SeqLen, EncoderAttention.SeqLen, EncoderAttention.Dim, EncoderAttention.Heads, EncoderAttention.Scale, false);
Console.WriteLine($"  generated kernel: {kernelUs,10:F1} µs   max |error| vs float64: {MaxError(o, encRef):E2}");
Console.WriteLine($"  naive C# loops:   {naiveUs,10:F1} µs   max |error| vs float64: {MaxError(naive, encRef):E2}");
Console.WriteLine($"  speed-up: {naiveUs / kernelUs:F1}×  (vector path: {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" : "scalar")})");

// ---- 3. Causal decoder attention ---------------------------------------------------------------------------
float[] xd = Gaussian(rng, DecoderAttention.SeqLen * DecoderAttention.Dim);
float[] od = new float[xd.Length];
DecoderAttention.SelfAttend(xd, od);
double[] decRef = new double[xd.Length];
AttentionReference.Attend(xd, xd, xd, decRef, DecoderAttention.SeqLen, DecoderAttention.SeqLen, DecoderAttention.Dim, DecoderAttention.Heads, DecoderAttention.Scale, true);
Console.WriteLine();
Console.WriteLine($"DecoderAttention (causal, {DecoderAttention.Heads} heads × {DecoderAttention.SeqLen} tokens): max |error| vs float64 {MaxError(od, decRef):E2}");

// ---- 4. Hierarchical attention: words → sentences → document with Pool (Hierarchical.cs) -----------------
bool hierarchicalOk = Hierarchical.Run();

// ---- 5. A KV-cache decoding step (cross-attention, GQA, key padding) and graph attention (Features.cs) -------
bool featuresOk = Features.Run();

return MaxError(y, reference) < 1e-4 && MaxError(o, encRef) < 1e-4 && MaxError(od, decRef) < 1e-4 && hierarchicalOk && featuresOk ? 0 : 1;

// ---- helpers ---------------------------------------------------------------------------------------------

static float[] ToyEmbeddings(string[] words, int dim)
{
    // A fixed pseudo-random embedding per distinct word (seeded by the word), scaled to unit length.
    float[] e = new float[words.Length * dim];
    for (int i = 0; i < words.Length; i++)
    {
        var r = new Random(StableHash(words[i]));
        double norm = 0;
        for (int d = 0; d < dim; d++) { e[i * dim + d] = (float)(r.NextDouble() * 2 - 1); norm += e[i * dim + d] * e[i * dim + d]; }
        for (int d = 0; d < dim; d++) e[i * dim + d] = (float)(e[i * dim + d] / Math.Sqrt(norm) * 2);
    }
    return e;
}

static int StableHash(string s) { int h = 17; foreach (char c in s) h = h * 31 + c; return h; }

static float[] Gaussian(Random rng, int n)
{
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
    return a;
}

static double MaxError(float[] actual, double[] expected)
{
    double m = 0;
    for (int i = 0; i < actual.Length; i++) m = Math.Max(m, Math.Abs(actual[i] - expected[i]));
    return m;
}

static double TimeMicroseconds(Action action)
{
    action(); // first call: JIT
    int reps = 1;
    var sw = Stopwatch.StartNew();
    while (sw.ElapsedMilliseconds < 200) { for (int i = 0; i < reps; i++) action(); reps *= 2; }
    sw.Restart();
    for (int i = 0; i < reps; i++) action();
    return sw.Elapsed.TotalMilliseconds * 1000 / reps;
}

static void NaiveAttention(float[] q, float[] k, float[] v, float[] o, int seq, int dim, int heads, float scale)
{
    int hd = dim / heads;
    float[] s = new float[seq];
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < seq; i++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < seq; j++)
            {
                float dot = 0;
                for (int d = 0; d < hd; d++) dot += q[i * dim + h * hd + d] * k[j * dim + h * hd + d];
                s[j] = dot * scale; max = Math.Max(max, s[j]);
            }
            float sum = 0;
            for (int j = 0; j < seq; j++) { s[j] = MathF.Exp(s[j] - max); sum += s[j]; }
            for (int d = 0; d < hd; d++)
            {
                float acc = 0;
                for (int j = 0; j < seq; j++) acc += s[j] * v[j * dim + h * hd + d];
                o[i * dim + h * hd + d] = acc / sum;
            }
        }
}
