using System;

namespace AttentionGen;

/// <summary>
/// Float64 reference implementation of the kernels' contract, for tests and for checking a kernel in
/// your own code. Slow and simple on purpose: every product and sum in double, <see cref="Math.Exp"/>.
/// </summary>
public static partial class AttentionReference
{
    /// <summary>
    /// Computes, for each head, <c>O_h = softmax(Q_h K_hᵀ · scale) V_h</c> in double precision.
    /// </summary>
    /// <param name="q">Queries, row-major <c>[seqLen, dim]</c>.</param>
    /// <param name="k">Keys, row-major <c>[keyLen, dim]</c>.</param>
    /// <param name="v">Values, row-major <c>[keyLen, dim]</c>.</param>
    /// <param name="output">Receives <c>[seqLen, dim]</c>.</param>
    /// <param name="seqLen">Query rows.</param>
    /// <param name="keyLen">Key/value rows.</param>
    /// <param name="dim">Model dimension.</param>
    /// <param name="heads">Heads; must divide <paramref name="dim"/>.</param>
    /// <param name="scale">Factor applied to the scores.</param>
    /// <param name="causal">Row i attends only to keys j ≤ i (top-left alignment).</param>
    /// <param name="weights">Optional: receives the softmax probabilities <c>[heads, seqLen, keyLen]</c>.</param>
    public static void Attend(
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<double> output,
        int seqLen, int keyLen, int dim, int heads, double scale, bool causal, Span<double> weights = default)
    {
        if (seqLen <= 0) throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, "must be positive");
        if (keyLen <= 0) throw new ArgumentOutOfRangeException(nameof(keyLen), keyLen, "must be positive");
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "must be positive");
        if (heads <= 0 || dim % heads != 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"must be positive and divide dim ({dim})");
        if (q.Length != seqLen * dim) throw new ArgumentException($"expected {seqLen * dim} floats, got {q.Length}", nameof(q));
        if (k.Length != keyLen * dim) throw new ArgumentException($"expected {keyLen * dim} floats, got {k.Length}", nameof(k));
        if (v.Length != keyLen * dim) throw new ArgumentException($"expected {keyLen * dim} floats, got {v.Length}", nameof(v));
        if (output.Length != seqLen * dim) throw new ArgumentException($"expected {seqLen * dim} doubles, got {output.Length}", nameof(output));
        if (!weights.IsEmpty && weights.Length != heads * seqLen * keyLen)
            throw new ArgumentException($"expected {heads * seqLen * keyLen} doubles, got {weights.Length}", nameof(weights));

        int headDim = dim / heads;
        double[] p = new double[keyLen];
        for (int h = 0; h < heads; h++)
        {
            int c0 = h * headDim;
            for (int i = 0; i < seqLen; i++)
            {
                int valid = causal ? Math.Min(i + 1, keyLen) : keyLen;
                double max = double.NegativeInfinity;
                for (int j = 0; j < valid; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += (double)q[i * dim + c0 + d] * k[j * dim + c0 + d];
                    }
                    p[j] = dot * scale;
                    max = double.IsNaN(p[j]) ? p[j] : Math.Max(max, p[j]);
                }
                double sum = 0;
                for (int j = 0; j < valid; j++)
                {
                    p[j] = max == double.NegativeInfinity ? 0 : Math.Exp(p[j] - max);
                    sum += p[j];
                }
                double inv = sum == 0 ? 0 : 1 / sum;
                for (int d = 0; d < headDim; d++)
                {
                    double acc = 0;
                    for (int j = 0; j < valid; j++)
                    {
                        acc += p[j] * v[j * dim + c0 + d];
                    }
                    output[i * dim + c0 + d] = acc * inv;
                }
                if (!weights.IsEmpty)
                {
                    Span<double> w = weights.Slice((h * seqLen + i) * keyLen, keyLen);
                    for (int j = 0; j < keyLen; j++) w[j] = j < valid ? p[j] * inv : 0;
                }
            }
        }
    }
}
