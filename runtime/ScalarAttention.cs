using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Runtime;

/// <summary>
/// The scalar path of every generated kernel, used where <c>Vector256</c> is not hardware accelerated
/// (or when SIMD is switched off with <c>DOTNET_EnableHWIntrinsic=0</c>). Same contract and same
/// algorithm as the vector paths, one query row at a time, with <see cref="MathF.Exp"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScalarAttention
{
    /// <summary>Multi-head attention; the caller has validated the span lengths.</summary>
    public static void Attend(
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int seqLen, int dim, int heads, float scale, bool causal, Span<float> weights = default)
    {
        int headDim = dim / heads;
        ref float scores = ref KernelScratch.Get(seqLen);
        ref float qr = ref MemoryMarshal.GetReference(q);
        ref float kr = ref MemoryMarshal.GetReference(k);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float or = ref MemoryMarshal.GetReference(output);
        for (int h = 0; h < heads; h++)
        {
            int c0 = h * headDim;
            for (int i = 0; i < seqLen; i++)
            {
                int valid = causal ? i + 1 : seqLen;
                ref float qi = ref Unsafe.Add(ref qr, (nint)i * dim + c0);
                for (int j = 0; j < valid; j++)
                {
                    ref float kj = ref Unsafe.Add(ref kr, (nint)j * dim + c0);
                    float dot = 0f;
                    for (int d = 0; d < headDim; d++)
                    {
                        dot += Unsafe.Add(ref qi, d) * Unsafe.Add(ref kj, d);
                    }
                    Unsafe.Add(ref scores, j) = dot * scale;
                }
                float inv = KernelMath.SoftmaxRowScalar(ref scores, valid, valid);
                if (!weights.IsEmpty)
                {
                    KernelWeights.StoreRow(ref scores, valid, inv, ref weights[(h * seqLen + i) * seqLen], seqLen);
                }
                ref float oi = ref Unsafe.Add(ref or, (nint)i * dim + c0);
                for (int d = 0; d < headDim; d++)
                {
                    float acc = 0f;
                    for (int j = 0; j < valid; j++)
                    {
                        acc += Unsafe.Add(ref scores, j) * Unsafe.Add(ref vr, (nint)j * dim + c0 + d);
                    }
                    Unsafe.Add(ref oi, d) = acc * inv;
                }
            }
        }
    }
}
