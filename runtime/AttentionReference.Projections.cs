using System;

namespace AttentionGen;

public static partial class AttentionReference
{
    /// <summary>
    /// The whole attention layer in double precision, the contract of the generated <c>Forward</c>:
    /// <c>Q = x·W_Q + b_Q</c>, <c>K = s·W_K + b_K</c>, <c>V = s·W_V + b_V</c>, multi-head attention of Q, K, V as
    /// described by <paramref name="problem"/> (causal alignment, window, grouped-query heads, softcap), then
    /// <c>output = C·W_O + b_O</c>. Every product and sum is in double; Q, K, V and C are kept in double.
    /// </summary>
    /// <param name="problem">The attention problem (SeqLen, KeyLen, Dim, Heads, KvHeads and the options).</param>
    /// <param name="x">Queries' input, row-major <c>[SeqLen, Dim]</c>.</param>
    /// <param name="keyValueSource">Keys' and values' input, row-major <c>[KeyLen, Dim]</c> (<paramref name="x"/> for self-attention).</param>
    /// <param name="weights">The projections; <c>weights.Dim</c> and <c>weights.KvDim</c> must match the problem.</param>
    /// <param name="output">Receives <c>[SeqLen, Dim]</c>.</param>
    /// <exception cref="ArgumentException">A length or the weights' shape does not match the problem.</exception>
    public static void Forward(AttentionProblem problem, ReadOnlySpan<float> x, ReadOnlySpan<float> keyValueSource, AttentionWeights weights, Span<double> output)
    {
        problem.Validate();
        if (weights is null) throw new ArgumentNullException(nameof(weights));
        int seqLen = problem.SeqLen, keyLen = problem.KeyLen, dim = problem.Dim, kvDim = problem.KvDim;
        if (weights.Dim != dim || weights.KvDim != kvDim)
            throw new ArgumentException($"weights are for Dim={weights.Dim}, KvDim={weights.KvDim}; the problem needs Dim={dim}, KvDim={kvDim}", nameof(weights));
        if (x.Length != seqLen * dim) throw new ArgumentException($"expected {seqLen * dim} floats, got {x.Length}", nameof(x));
        if (keyValueSource.Length != keyLen * dim) throw new ArgumentException($"expected {keyLen * dim} floats, got {keyValueSource.Length}", nameof(keyValueSource));
        if (output.Length != seqLen * dim) throw new ArgumentException($"expected {seqLen * dim} doubles, got {output.Length}", nameof(output));

        double[] q = Project(x, seqLen, dim, weights.QueryWeight, weights.QueryBias, dim);
        double[] k = Project(keyValueSource, keyLen, dim, weights.KeyWeight, weights.KeyBias, kvDim);
        double[] v = Project(keyValueSource, keyLen, dim, weights.ValueWeight, weights.ValueBias, kvDim);
        double[] context = new double[seqLen * dim];
        AttendDouble(problem, q, k, v, context);
        for (int i = 0; i < seqLen; i++)
        {
            for (int o = 0; o < dim; o++)
            {
                double acc = 0;
                for (int t = 0; t < dim; t++)
                {
                    acc += context[i * dim + t] * weights.OutputWeight[t * dim + o];
                }
                output[i * dim + o] = acc + weights.OutputBias[o];
            }
        }
    }

    /// <summary>A[m, k]·W[k, n] + b in double.</summary>
    private static double[] Project(ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int n)
    {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int o = 0; o < n; o++)
            {
                double acc = 0;
                for (int t = 0; t < k; t++)
                {
                    acc += (double)a[i * k + t] * w[t * n + o];
                }
                c[i * n + o] = acc + bias[o];
            }
        }
        return c;
    }

    /// <summary>
    /// Multi-head attention over double-precision Q [SeqLen, Dim], K and V [KeyLen, KvDim], following
    /// <see cref="AttentionProblem"/>'s rules (visible keys, softcap, grouped-query heads; no mask or key padding).
    /// </summary>
    private static void AttendDouble(AttentionProblem problem, double[] q, double[] k, double[] v, double[] output)
    {
        int seqLen = problem.SeqLen, dim = problem.Dim, kvDim = problem.KvDim, headDim = problem.HeadDim;
        int group = problem.Heads / problem.KvHeads;
        double scale = problem.EffectiveScale, softcap = problem.Softcap;
        double[] p = new double[problem.KeyLen];
        for (int h = 0; h < problem.Heads; h++)
        {
            int qc = h * headDim, kc = h / group * headDim;
            for (int i = 0; i < seqLen; i++)
            {
                problem.VisibleKeys(i, problem.KeyLen, out int lo, out int hi);
                double max = double.NegativeInfinity;
                for (int j = lo; j < hi; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += q[i * dim + qc + d] * k[j * kvDim + kc + d];
                    }
                    double score = dot * scale;
                    if (softcap > 0) score = softcap * Math.Tanh(score / softcap);
                    p[j] = score;
                    max = double.IsNaN(score) ? score : Math.Max(max, score);
                }
                double sum = 0;
                for (int j = lo; j < hi; j++)
                {
                    p[j] = max == double.NegativeInfinity ? 0 : Math.Exp(p[j] - max);
                    sum += p[j];
                }
                double inv = sum == 0 ? 0 : 1 / sum;
                for (int d = 0; d < headDim; d++)
                {
                    double acc = 0;
                    for (int j = lo; j < hi; j++)
                    {
                        acc += p[j] * v[j * kvDim + kc + d];
                    }
                    output[i * dim + qc + d] = acc * inv;
                }
            }
        }
    }
}
