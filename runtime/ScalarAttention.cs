using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Runtime;

/// <summary>
/// The scalar path of every generated kernel, used where <c>Vector256</c> is not hardware accelerated
/// (or when SIMD is switched off with <c>DOTNET_EnableHWIntrinsic=0</c>). Same contract as the vector paths
/// and as <see cref="AttentionReference"/>, one query row at a time, with <see cref="MathF.Exp"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScalarAttention
{
    /// <summary>Multi-head self-attention (no mask, no window, no softcap); the caller has validated the span lengths.</summary>
    public static void Attend(
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int seqLen, int dim, int heads, float scale, bool causal, Span<float> weights = default)
    {
        var problem = new AttentionProblem(seqLen, dim, heads) { Scale = scale, Causal = causal };
        KernelMask none = default;
        Attend(problem, q, k, v, output, none, weights, 0, 1);
    }

    /// <summary>
    /// Every option of <paramref name="problem"/> with <paramref name="mask"/>, as <see cref="AttentionReference"/>
    /// computes it: q and output <c>[SeqLen, Dim]</c>, k and v <c>[KeyLen, KvDim]</c>, weights (or empty)
    /// <c>[Heads, SeqLen, KeyLen]</c>. The caller has validated the problem, the span lengths and the mask.
    /// </summary>
    /// <remarks>
    /// Each row computes only the keys in its <see cref="AttentionProblem.VisibleKeys"/> band (a window of
    /// half-width w costs SeqLen·(2w+1) dot products, not SeqLen·KeyLen). Keys the mask hides are not read, in Q·Kᵀ
    /// nor in P·V. No allocation once this thread's scratch holds KeyLen floats.
    /// </remarks>
    public static void Attend(
        in AttentionProblem problem, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        scoped in KernelMask mask, Span<float> weights)
        => Attend(problem, q, k, v, output, mask, weights, 0, 1);

    /// <summary>
    /// One part of <see cref="Attend(in AttentionProblem, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in KernelMask, Span{float})"/>
    /// split into <paramref name="parts"/>: the (head, row) pairs <c>u = h·SeqLen + i</c> with
    /// <c>u % parts == part</c> (interleaved, so causal rows of every length are spread over the parts). The parts
    /// write disjoint output and weights elements, and the result does not depend on how the work is split.
    /// </summary>
    public static void Attend(
        in AttentionProblem problem, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        scoped in KernelMask mask, Span<float> weights, int part, int parts)
    {
        int seqLen = problem.SeqLen, keyLen = problem.KeyLen, dim = problem.Dim, kvDim = problem.KvDim, headDim = problem.HeadDim;
        int group = problem.Heads / problem.KvHeads;
        float scale = problem.EffectiveScale, cap = problem.Softcap;
        int validKeys = mask.ValidKeysOr(keyLen);
        MaskKind kind = mask.Kind;
        ReadOnlySpan<float> additive = mask.Additive;
        ReadOnlySpan<bool> allowed = mask.Allowed;
        ReadOnlySpan<byte> bits = mask.Bits;
        int bytesPerRow = mask.BytesPerRow;
        bool hasWeights = !weights.IsEmpty;

        ref float scores = ref KernelScratch.Get(keyLen);
        ref float qr = ref MemoryMarshal.GetReference(q);
        ref float kr = ref MemoryMarshal.GetReference(k);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float or = ref MemoryMarshal.GetReference(output);
        int units = problem.Heads * seqLen;
        for (int u = part; u < units; u += parts)
        {
            int h = u / seqLen, i = u - h * seqLen;
            int qc = h * headDim, kc = h / group * headDim;
            problem.VisibleKeys(i, validKeys, out int lo, out int hi);
            int n = hi - lo;
            ref float qi = ref Unsafe.Add(ref qr, (nint)i * dim + qc);
            ref float oi = ref Unsafe.Add(ref or, (nint)i * dim + qc);

            // Scores of the band [lo, hi); a key the mask hides gets −∞ and is not read.
            for (int j = lo; j < hi; j++)
            {
                float s;
                if (kind != MaskKind.None && Masked(kind, additive, allowed, bits, bytesPerRow, i, j, keyLen))
                {
                    s = float.NegativeInfinity;
                }
                else
                {
                    ref float kj = ref Unsafe.Add(ref kr, (nint)j * kvDim + kc);
                    float dot = 0f;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += Unsafe.Add(ref qi, d) * Unsafe.Add(ref kj, d);
                    }
                    s = dot * scale;
                    if (cap > 0f) s = cap * MathF.Tanh(s / cap);
                    if (kind == MaskKind.Additive) s += additive[i * keyLen + j];
                }
                Unsafe.Add(ref scores, j - lo) = s;
            }

            // exp(s − max) in place and 1/Σ; 0 when the band is empty or every score in it is −∞ (the row is then all 0).
            float inv = n > 0 ? KernelMath.SoftmaxRowScalar(ref scores, n, n) : 0f;

            // P·V over the keys the mask does not hide (a hidden key's exp is 0, but its V row may be NaN or ∞). A row
            // whose visible scores are all −∞ has p = 0 and inv = 0 here: zeros, or NaN where a visible v is ±∞ / NaN,
            // as in the reference.
            for (int d = 0; d < headDim; d++) Unsafe.Add(ref oi, d) = 0f;
            for (int j = lo; j < hi; j++)
            {
                if (kind != MaskKind.None && Masked(kind, additive, allowed, bits, bytesPerRow, i, j, keyLen)) continue;
                float p = Unsafe.Add(ref scores, j - lo);
                ref float vj = ref Unsafe.Add(ref vr, (nint)j * kvDim + kc);
                for (int d = 0; d < headDim; d++)
                {
                    Unsafe.Add(ref oi, d) += p * Unsafe.Add(ref vj, d);
                }
            }
            for (int d = 0; d < headDim; d++) Unsafe.Add(ref oi, d) *= inv;

            if (hasWeights)
            {
                ref float w = ref weights[u * keyLen];
                for (int j = 0; j < keyLen; j++)
                {
                    bool visible = inv != 0f && j >= lo && j < hi
                        && (kind == MaskKind.None || !Masked(kind, additive, allowed, bits, bytesPerRow, i, j, keyLen));
                    Unsafe.Add(ref w, j) = visible ? Unsafe.Add(ref scores, j - lo) * inv : 0f;
                }
            }
        }
    }

    // The [SeqLen, KeyLen] mask hides key j from row i (the same test as KernelMask.Masks, with the spans hoisted).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Masked(MaskKind kind, ReadOnlySpan<float> additive, ReadOnlySpan<bool> allowed, ReadOnlySpan<byte> bits, int bytesPerRow, int i, int j, int keyLen)
        => kind switch
        {
            MaskKind.Additive => float.IsNegativeInfinity(additive[i * keyLen + j]),
            MaskKind.Allowed => !allowed[i * keyLen + j],
            MaskKind.Bits => (bits[i * bytesPerRow + (j >> 3)] >> (j & 7) & 1) == 0,
            _ => false,
        };
}
