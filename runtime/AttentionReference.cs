using System;
using AttentionGen.Runtime;

namespace AttentionGen;

/// <summary>
/// Float64 reference implementation of the kernels' contract, for tests and for checking a kernel in
/// your own code. Slow and simple on purpose: every product and sum in double, <see cref="Math.Exp"/> and
/// <see cref="Math.Tanh"/>, every key tested one by one.
/// </summary>
/// <remarks>
/// The semantics are those of <see cref="AttentionProblem"/> and <see cref="KernelMask"/>: a key is visible to
/// row <c>i</c> when it lies in <see cref="AttentionProblem.VisibleKeys"/> and the mask does not mask it. Keys
/// that are not visible are never read (their K and V rows may hold anything, NaN included) and get weight 0.
/// A row that sees no key outputs zeros and zero weights. A row whose visible scores are all −∞ (from the inputs,
/// e.g. q = −∞ against k &gt; 0) has zero weights and outputs <c>Σ 0·v_j</c> over its visible keys: zeros, except NaN
/// in a column where one of those values is ±∞ or NaN (0·∞, the rule for any visible key of weight 0). A NaN among
/// the visible scores makes that head's output row NaN and the weights of its visible keys NaN (the weights
/// of invisible keys stay 0).
/// </remarks>
public static partial class AttentionReference
{
    /// <summary>
    /// Computes, for each head, <c>O_h = softmax(Q_h K_hᵀ · scale) V_h</c> in double precision
    /// (Q, K and V with the same number of heads; causal top-left aligned).
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
        var problem = new AttentionProblem(seqLen, dim, heads) { KeyLen = keyLen, Causal = causal };
        // The scale stays in double here (the problem's Scale is a float).
        Run(problem, scale, q, k, v, output, default, weights);
    }

    /// <summary>
    /// Computes <paramref name="problem"/> in double precision: every option of <see cref="AttentionProblem"/>
    /// (cross-attention, causal alignment, sliding window, grouped-query heads, scale, softcap) and the per-call
    /// <paramref name="mask"/>.
    /// </summary>
    /// <param name="problem">The shape and options; validated with <see cref="AttentionProblem.Validate"/>.</param>
    /// <param name="q">Queries, row-major <c>[SeqLen, Dim]</c>.</param>
    /// <param name="k">Keys, row-major <c>[KeyLen, KvDim]</c>.</param>
    /// <param name="v">Values, row-major <c>[KeyLen, KvDim]</c>.</param>
    /// <param name="output">Receives <c>[SeqLen, Dim]</c>.</param>
    /// <param name="mask">
    /// Key padding and/or one <c>[SeqLen, KeyLen]</c> mask broadcast over heads (additive floats, booleans, or
    /// bits in the <see cref="BitMask"/> layout with <c>⌈KeyLen / 8⌉</c> bytes per row); default: none.
    /// </param>
    /// <param name="weights">Optional: receives the softmax probabilities <c>[Heads, SeqLen, KeyLen]</c>, 0 for keys a row does not see.</param>
    /// <exception cref="ArgumentOutOfRangeException">The problem or the mask's key padding is out of range.</exception>
    /// <exception cref="ArgumentException">A span or the mask has the wrong length. Nothing is written then.</exception>
    public static void Attend(
        AttentionProblem problem, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<double> output,
        KernelMask mask = default, Span<double> weights = default)
    {
        problem.Validate();
        Run(problem, problem.EffectiveScale, q, k, v, output, mask, weights);
    }

    /// <summary>
    /// <paramref name="batch"/> independent problems stored one after the other: q and output
    /// <c>[batch, SeqLen, Dim]</c>, k and v <c>[batch, KeyLen, KvDim]</c>, weights (optional)
    /// <c>[batch, Heads, SeqLen, KeyLen]</c>. The <paramref name="mask"/> is the same for every item.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The problem, the batch or the mask's key padding is out of range.</exception>
    /// <exception cref="ArgumentException">A span or the mask has the wrong length. Nothing is written then.</exception>
    public static void AttendBatch(
        AttentionProblem problem, int batch, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<double> output,
        KernelMask mask = default, Span<double> weights = default)
    {
        problem.Validate();
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");
        long qn = (long)problem.SeqLen * problem.Dim, kn = (long)problem.KeyLen * problem.KvDim;
        long wn = (long)problem.Heads * problem.SeqLen * problem.KeyLen;
        string item = $"batch={batch} × ";
        CheckLength(q.Length, batch * qn, nameof(q), item + $"SeqLen={problem.SeqLen} × Dim={problem.Dim}");
        CheckLength(k.Length, batch * kn, nameof(k), item + $"KeyLen={problem.KeyLen} × KvDim={problem.KvDim}");
        CheckLength(v.Length, batch * kn, nameof(v), item + $"KeyLen={problem.KeyLen} × KvDim={problem.KvDim}");
        CheckLength(output.Length, batch * qn, nameof(output), item + $"SeqLen={problem.SeqLen} × Dim={problem.Dim}");
        if (!weights.IsEmpty)
        {
            CheckLength(weights.Length, batch * wn, nameof(weights), item + $"Heads={problem.Heads} × SeqLen={problem.SeqLen} × KeyLen={problem.KeyLen}");
        }
        CheckMask(problem, mask);
        double scale = problem.EffectiveScale;
        for (int b = 0; b < batch; b++)
        {
            Run(problem, scale,
                q.Slice((int)(b * qn), (int)qn), k.Slice((int)(b * kn), (int)kn), v.Slice((int)(b * kn), (int)kn),
                output.Slice((int)(b * qn), (int)qn), mask, weights.IsEmpty ? default : weights.Slice((int)(b * wn), (int)wn));
        }
    }

    // Validates the spans against the (already valid) problem, then computes.
    private static void Run(
        in AttentionProblem p, double scale, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<double> output,
        KernelMask mask, Span<double> weights)
    {
        CheckLength(q.Length, (long)p.SeqLen * p.Dim, nameof(q), $"SeqLen={p.SeqLen} × Dim={p.Dim}");
        CheckLength(k.Length, (long)p.KeyLen * p.KvDim, nameof(k), $"KeyLen={p.KeyLen} × KvDim={p.KvDim}");
        CheckLength(v.Length, (long)p.KeyLen * p.KvDim, nameof(v), $"KeyLen={p.KeyLen} × KvDim={p.KvDim}");
        CheckLength(output.Length, (long)p.SeqLen * p.Dim, nameof(output), $"SeqLen={p.SeqLen} × Dim={p.Dim}");
        if (!weights.IsEmpty)
        {
            CheckLength(weights.Length, (long)p.Heads * p.SeqLen * p.KeyLen, nameof(weights), $"Heads={p.Heads} × SeqLen={p.SeqLen} × KeyLen={p.KeyLen}");
        }
        CheckMask(p, mask);
        Compute(p, scale, q, k, v, output, mask, weights);
    }

    private static void Compute(
        in AttentionProblem p, double scale, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<double> output,
        KernelMask mask, Span<double> weights)
    {
        int seqLen = p.SeqLen, keyLen = p.KeyLen, dim = p.Dim, kvDim = p.KvDim, headDim = p.HeadDim;
        int group = p.Heads / p.KvHeads;
        int validKeys = mask.ValidKeysOr(keyLen);
        double cap = p.Softcap;
        double[] s = new double[keyLen];
        bool[] visible = new bool[keyLen];
        for (int h = 0; h < p.Heads; h++)
        {
            int qc = h * headDim, kc = h / group * headDim;
            for (int i = 0; i < seqLen; i++)
            {
                p.VisibleKeys(i, validKeys, out int lo, out int hi);
                double max = double.NegativeInfinity;
                for (int j = 0; j < keyLen; j++)
                {
                    visible[j] = j >= lo && j < hi && !mask.Masks(i, j, keyLen);
                    if (!visible[j]) continue;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += (double)q[i * dim + qc + d] * k[j * kvDim + kc + d];
                    }
                    double x = scale * dot;
                    if (cap > 0) x = cap * Math.Tanh(x / cap);
                    x += mask.Term(i, j, keyLen);
                    s[j] = x;
                    max = double.IsNaN(x) || double.IsNaN(max) ? double.NaN : Math.Max(max, x);
                }

                // No visible key, or every visible score −∞: every weight is 0 (and the output Σ 0·v_j, zeros unless
                // a visible value is ±∞ or NaN: 0·∞ = NaN, as for any visible key of weight 0).
                bool none = max == double.NegativeInfinity;
                double sum = 0;
                for (int j = 0; j < keyLen; j++)
                {
                    if (!visible[j]) continue;
                    s[j] = none ? 0 : Math.Exp(s[j] - max);
                    sum += s[j];
                }
                Span<double> o = output.Slice(i * dim + qc, headDim);
                for (int d = 0; d < headDim; d++)
                {
                    double acc = 0;
                    for (int j = 0; j < keyLen; j++)
                    {
                        if (visible[j]) acc += s[j] * v[j * kvDim + kc + d];
                    }
                    o[d] = none ? acc * 0 : acc / sum;
                }
                if (!weights.IsEmpty)
                {
                    Span<double> w = weights.Slice((h * seqLen + i) * keyLen, keyLen);
                    for (int j = 0; j < keyLen; j++)
                    {
                        w[j] = visible[j] && !none ? s[j] / sum : 0;
                    }
                }
            }
        }
    }

    private static void CheckLength(int actual, long expected, string paramName, string shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{paramName} has length {actual}; expected {expected} ({shape}).", paramName);
        }
    }

    private static void CheckMask(in AttentionProblem p, KernelMask mask)
    {
        if (mask.ValidKeys < 0 || mask.ValidKeys > p.KeyLen)
        {
            throw new ArgumentOutOfRangeException(nameof(mask), mask.ValidKeys,
                $"mask.ValidKeys is {mask.ValidKeys}; expected 1..KeyLen ({p.KeyLen}), or 0 for no key padding.");
        }
        long cells = (long)p.SeqLen * p.KeyLen;
        switch (mask.Kind)
        {
            case MaskKind.None:
                break;
            case MaskKind.Additive:
                CheckLength(mask.Additive.Length, cells, nameof(mask), $"additive mask: SeqLen={p.SeqLen} × KeyLen={p.KeyLen} floats");
                break;
            case MaskKind.Allowed:
                CheckLength(mask.Allowed.Length, cells, nameof(mask), $"boolean mask: SeqLen={p.SeqLen} × KeyLen={p.KeyLen}");
                break;
            case MaskKind.Bits:
                int bytesPerRow = BitMask.BytesFor(p.KeyLen);
                if (mask.BytesPerRow != bytesPerRow)
                {
                    throw new ArgumentException(
                        $"mask has {mask.BytesPerRow} bytes per row; expected {bytesPerRow} (⌈KeyLen={p.KeyLen} / 8⌉): the bit mask must be [SeqLen, KeyLen].", nameof(mask));
                }
                CheckLength(mask.Bits.Length, (long)p.SeqLen * bytesPerRow, nameof(mask), $"bit mask: SeqLen={p.SeqLen} × {bytesPerRow} bytes per row");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mask), mask.Kind, "mask.Kind is not a known MaskKind.");
        }
    }
}
