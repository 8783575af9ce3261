using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using AttentionGen;

namespace AttentionGen.Samples;

// 64 tokens, model dimension 128, 4 heads of 32; scale 1/√32 (the default).
[Attention(seqLen: 64, dim: 128, heads: 4)]
public partial struct EncoderAttention { }

/// <summary>Milliseconds spent in each part of a layer, summed over the calls since <see cref="Clear"/>.</summary>
public sealed class LayerTimings
{
    public double Qkv, Attention, Output, Mlp;
    public double Total => Qkv + Attention + Output + Mlp;
    public void Clear() => Qkv = Attention = Output = Mlp = 0;
}

/// <summary>
/// One post-norm encoder layer. Generic over the attention kernel: TAttention fixes SeqLen, Dim and Heads, the
/// layer sizes everything else from them, so an EncoderLayer&lt;BertBaseAttention&gt; is the same code.
/// </summary>
public sealed class EncoderLayer<TAttention> where TAttention : IAttentionKernel<TAttention>
{
    private static readonly int S = TAttention.SeqLen, D = TAttention.Dim;
    private readonly int hidden;
    // nn.Linear layout: weight [out, in], bias [out].
    private readonly float[] wq, wk, wv, wo, bq, bk, bv, bo, w1, b1, w2, b2;
    private readonly float[] ln1Gain, ln1Bias, ln2Gain, ln2Bias;
    private readonly float[] q, k, v, attention, h, mlp;

    public LayerTimings Timings { get; } = new();

    public EncoderLayer(int hidden, int seed)
    {
        this.hidden = hidden;
        var rng = new Random(seed);
        wq = Init(rng, D, D); wk = Init(rng, D, D); wv = Init(rng, D, D); wo = Init(rng, D, D);
        bq = Init(rng, D, 1, 0.02); bk = Init(rng, D, 1, 0.02); bv = Init(rng, D, 1, 0.02); bo = Init(rng, D, 1, 0.02);
        w1 = Init(rng, hidden, D); b1 = Init(rng, hidden, 1, 0.02);
        w2 = Init(rng, D, hidden); b2 = Init(rng, D, 1, 0.02);
        ln1Gain = Filled(D, 1); ln1Bias = new float[D]; ln2Gain = Filled(D, 1); ln2Bias = new float[D];
        q = new float[S * D]; k = new float[S * D]; v = new float[S * D];
        attention = new float[S * D]; h = new float[S * D]; mlp = new float[S * hidden];
    }

    /// <summary>y = the layer applied to x, both [SeqLen, Dim].</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        long t0 = Stopwatch.GetTimestamp();
        Linear(x, wq, bq, q, S, D, D);
        Linear(x, wk, bk, k, S, D, D);
        Linear(x, wv, bv, v, S, D, D);
        long t1 = Stopwatch.GetTimestamp();

        TAttention.Attend(q, k, v, attention);          // the generated kernel: all heads at once
        long t2 = Stopwatch.GetTimestamp();

        Linear(attention, wo, bo, h, S, D, D);
        for (int i = 0; i < h.Length; i++) h[i] += x[i];  // residual
        LayerNorm(h, ln1Gain, ln1Bias, S, D);
        long t3 = Stopwatch.GetTimestamp();

        Linear(h, w1, b1, mlp, S, D, hidden);
        for (int i = 0; i < mlp.Length; i++) mlp[i] = Gelu(mlp[i]);
        Linear(mlp, w2, b2, y, S, hidden, D);
        for (int i = 0; i < h.Length; i++) y[i] += h[i];  // residual
        LayerNorm(y, ln2Gain, ln2Bias, S, D);
        long t4 = Stopwatch.GetTimestamp();

        Timings.Qkv += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        Timings.Attention += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        Timings.Output += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
        Timings.Mlp += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
    }

    /// <summary>Runs the projections on x and compares the kernel's attention with AttentionReference's.</summary>
    public bool CheckAttentionAgainstReference(ReadOnlySpan<float> x, out double maxError)
    {
        Linear(x, wq, bq, q, S, D, D);
        Linear(x, wk, bk, k, S, D, D);
        Linear(x, wv, bv, v, S, D, D);
        TAttention.Attend(q, k, v, attention);
        double[] reference = new double[S * D];
        AttentionReference.Attend(q, k, v, reference, S, S, D, TAttention.Heads, TAttention.Scale, TAttention.Causal);
        maxError = 0;
        for (int i = 0; i < reference.Length; i++) maxError = Math.Max(maxError, Math.Abs(attention[i] - reference[i]));
        return maxError < 1e-5;
    }

    /// <summary>output[rows, outDim] = input[rows, inDim] · weightᵀ + bias, weight [outDim, inDim] (nn.Linear).</summary>
    private static void Linear(ReadOnlySpan<float> input, float[] weight, float[] bias, Span<float> output, int rows, int inDim, int outDim)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = input.Slice(r * inDim, inDim);
            for (int o = 0; o < outDim; o++)
            {
                ReadOnlySpan<float> w = weight.AsSpan(o * inDim, inDim);
                // TensorPrimitives.Dot is the vectorised Σ row[i]·w[i] (System.Numerics.Tensors, which AttentionGen
                // brings in on net10.0); a plain for loop gives the same result, several times slower.
                output[r * outDim + o] = bias[o] + TensorPrimitives.Dot(row, w);
            }
        }
    }

    /// <summary>Each row: (row − mean) / √(variance + 1e-5) · gain + bias (nn.LayerNorm, eps 1e-5).</summary>
    private static void LayerNorm(Span<float> data, float[] gain, float[] bias, int rows, int dim)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = data.Slice(r * dim, dim);
            float mean = 0, variance = 0;
            for (int i = 0; i < dim; i++) mean += row[i];
            mean /= dim;
            for (int i = 0; i < dim; i++) variance += (row[i] - mean) * (row[i] - mean);
            float inv = 1 / MathF.Sqrt(variance / dim + 1e-5f);
            for (int i = 0; i < dim; i++) row[i] = (row[i] - mean) * inv * gain[i] + bias[i];
        }
    }

    /// <summary>GELU, tanh approximation (nn.GELU(approximate="tanh")).</summary>
    private static float Gelu(float x) => 0.5f * x * (1 + MathF.Tanh(0.7978845608f * (x + 0.044715f * x * x * x)));

    private static float[] Init(Random rng, int outDim, int inDim, double bound = -1)
    {
        // Uniform(±1/√in), nn.Linear's default init, unless a bound is given (the small biases).
        double b = bound > 0 ? bound : 1 / Math.Sqrt(inDim);
        float[] a = new float[outDim * inDim];
        for (int i = 0; i < a.Length; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * b);
        return a;
    }

    private static float[] Filled(int n, float value)
    {
        float[] a = new float[n];
        Array.Fill(a, value);
        return a;
    }
}
