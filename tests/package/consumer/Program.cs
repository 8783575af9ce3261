using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using AttentionGen;
#if NET10_0_OR_GREATER
using System.Numerics.Tensors;
#endif

// The package test's consumer: declares kernels, runs them, and checks them against a float64 loop written
// here (independent of the package) and against the package's AttentionReference. Exit code 0 = all agree.

int failures = 0;
Console.WriteLine($"runtime: {RuntimeInformation.FrameworkDescription}; vector path: " +
    (Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "scalar"));

failures += Check<Encoder>("Encoder (64 x 256, 4 heads)", seed: 1);
failures += Check<CausalKernel>("CausalKernel (37 x 60, 3 heads, causal)", seed: 2);
failures += Check<Sentence>("Sentence (6 x 8, 1 head, Scale = 1)", seed: 3);

#if NET10_0_OR_GREATER
// The net10.0-only TensorSpan interop, through the package's System.Numerics.Tensors dependency.
{
    float[] x = Data(4, Encoder.SeqLen * Encoder.Dim);
    float[] expected = new float[x.Length];
    Encoder.SelfAttend(x, expected);
    Tensor<float> y = Tensor.CreateFromShape<float>([1, Encoder.SeqLen, Encoder.Dim]);
    TensorAttention.SelfAttend<Encoder>(Tensor.Create(x, [Encoder.SeqLen, Encoder.Dim]), y);
    float[] actual = new float[x.Length];
    y.FlattenTo(actual);
    bool same = actual.AsSpan().SequenceEqual(expected);
    Console.WriteLine($"TensorAttention.SelfAttend<Encoder>: {(same ? "equals" : "DIFFERS FROM")} Encoder.SelfAttend");
    if (!same) failures++;
}
#endif

Console.WriteLine(failures == 0 ? "package consumer: OK" : $"package consumer: {failures} check(s) FAILED");
return failures == 0 ? 0 : 1;

// Generic over the kernel through IAttentionKernel<T>, as a user's library would be.
static int Check<T>(string name, int seed) where T : IAttentionKernel<T>
{
    int n = T.SeqLen * T.Dim;
    float[] q = Data(seed, n), k = Data(seed + 100, n), v = Data(seed + 200, n), o = new float[n];
    T.Attend(q, k, v, o);

    double[] mine = Naive(q, k, v, T.SeqLen, T.Dim, T.Heads, T.Scale, T.Causal);
    double[] reference = new double[n];
    AttentionReference.Attend(q, k, v, reference, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale, T.Causal);

    double errMine = 0, errRef = 0;
    for (int i = 0; i < n; i++)
    {
        errMine = Math.Max(errMine, Math.Abs(o[i] - mine[i]));
        errRef = Math.Max(errRef, Math.Abs(o[i] - reference[i]));
    }
    // Inputs in [-1, 1): scores stay small, so the kernels' float32 error is well under 1e-5.
    bool ok = errMine < 1e-5 && errRef < 1e-5;
    Console.WriteLine($"{name}: max |error| vs float64 loop {errMine:E2}, vs AttentionReference {errRef:E2} {(ok ? "OK" : "FAILED")}");
    return ok ? 0 : 1;
}

static float[] Data(int seed, int n)
{
    var rng = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
    return a;
}

static double[] Naive(float[] q, float[] k, float[] v, int seq, int dim, int heads, double scale, bool causal)
{
    int hd = dim / heads;
    double[] o = new double[seq * dim], p = new double[seq];
    for (int h = 0; h < heads; h++)
        for (int i = 0; i < seq; i++)
        {
            int keys = causal ? i + 1 : seq;
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < keys; j++)
            {
                double dot = 0;
                for (int d = 0; d < hd; d++) dot += (double)q[i * dim + h * hd + d] * k[j * dim + h * hd + d];
                p[j] = dot * scale;
                max = Math.Max(max, p[j]);
            }
            for (int j = 0; j < keys; j++) { p[j] = Math.Exp(p[j] - max); sum += p[j]; }
            for (int d = 0; d < hd; d++)
            {
                double acc = 0;
                for (int j = 0; j < keys; j++) acc += p[j] * v[j * dim + h * hd + d];
                o[i * dim + h * hd + d] = acc / sum;
            }
        }
    return o;
}

[Attention(seqLen: 64, dim: 256, heads: 4)]
public partial struct Encoder { }

[Attention(37, 60, 3, Causal = true)]
public partial struct CausalKernel { }

[Attention(6, 8, 1, Scale = 1f)]
public partial struct Sentence { }
