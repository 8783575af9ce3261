using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Runtime;

// Scores of one query row against keys read in place (no packing): the path of kernels with very few query rows
// (a decoding step over a KV cache), where transposing K into panels would cost as much as the product itself.
public static partial class KernelMath
{
    /// <summary>
    /// <c>s[j] = scale · q·k_j</c> for <c>j ∈ [lo, hi)</c>, keys read in place: row <c>j</c> of K starts at
    /// <c>k + j·stride</c> and holds <paramref name="headDim"/> floats. Four keys at a time share the loads of q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores512(ref float q, ref float k, int stride, int lo, int hi, int headDim, float scale, ref float s)
    {
        int d16 = headDim & ~15;
        int j = lo;
        for (; j + 4 <= hi; j += 4)
        {
            ref float k0 = ref Unsafe.Add(ref k, (nint)j * stride);
            ref float k1 = ref Unsafe.Add(ref k0, stride);
            ref float k2 = ref Unsafe.Add(ref k1, stride);
            ref float k3 = ref Unsafe.Add(ref k2, stride);
            Vector512<float> a0 = Vector512<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < d16; d += 16)
            {
                Vector512<float> qv = Vector512.LoadUnsafe(ref q, (nuint)d);
                a0 = Fma512(qv, Vector512.LoadUnsafe(ref k0, (nuint)d), a0);
                a1 = Fma512(qv, Vector512.LoadUnsafe(ref k1, (nuint)d), a1);
                a2 = Fma512(qv, Vector512.LoadUnsafe(ref k2, (nuint)d), a2);
                a3 = Fma512(qv, Vector512.LoadUnsafe(ref k3, (nuint)d), a3);
            }
            float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
            for (int d = d16; d < headDim; d++)
            {
                float qd = Unsafe.Add(ref q, d);
                s0 += qd * Unsafe.Add(ref k0, d);
                s1 += qd * Unsafe.Add(ref k1, d);
                s2 += qd * Unsafe.Add(ref k2, d);
                s3 += qd * Unsafe.Add(ref k3, d);
            }
            Unsafe.Add(ref s, j) = s0 * scale;
            Unsafe.Add(ref s, j + 1) = s1 * scale;
            Unsafe.Add(ref s, j + 2) = s2 * scale;
            Unsafe.Add(ref s, j + 3) = s3 * scale;
        }
        for (; j < hi; j++)
        {
            ref float kj = ref Unsafe.Add(ref k, (nint)j * stride);
            Vector512<float> a = Vector512<float>.Zero;
            for (int d = 0; d < d16; d += 16)
            {
                a = Fma512(Vector512.LoadUnsafe(ref q, (nuint)d), Vector512.LoadUnsafe(ref kj, (nuint)d), a);
            }
            float sum = Vector512.Sum(a);
            for (int d = d16; d < headDim; d++)
            {
                sum += Unsafe.Add(ref q, d) * Unsafe.Add(ref kj, d);
            }
            Unsafe.Add(ref s, j) = sum * scale;
        }
    }

    /// <summary>As <see cref="Scores512"/>, with 8-lane vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores256(ref float q, ref float k, int stride, int lo, int hi, int headDim, float scale, ref float s)
    {
        int d8 = headDim & ~7;
        int j = lo;
        for (; j + 4 <= hi; j += 4)
        {
            ref float k0 = ref Unsafe.Add(ref k, (nint)j * stride);
            ref float k1 = ref Unsafe.Add(ref k0, stride);
            ref float k2 = ref Unsafe.Add(ref k1, stride);
            ref float k3 = ref Unsafe.Add(ref k2, stride);
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < d8; d += 8)
            {
                Vector256<float> qv = Vector256.LoadUnsafe(ref q, (nuint)d);
                a0 = Fma256(qv, Vector256.LoadUnsafe(ref k0, (nuint)d), a0);
                a1 = Fma256(qv, Vector256.LoadUnsafe(ref k1, (nuint)d), a1);
                a2 = Fma256(qv, Vector256.LoadUnsafe(ref k2, (nuint)d), a2);
                a3 = Fma256(qv, Vector256.LoadUnsafe(ref k3, (nuint)d), a3);
            }
            float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
            for (int d = d8; d < headDim; d++)
            {
                float qd = Unsafe.Add(ref q, d);
                s0 += qd * Unsafe.Add(ref k0, d);
                s1 += qd * Unsafe.Add(ref k1, d);
                s2 += qd * Unsafe.Add(ref k2, d);
                s3 += qd * Unsafe.Add(ref k3, d);
            }
            Unsafe.Add(ref s, j) = s0 * scale;
            Unsafe.Add(ref s, j + 1) = s1 * scale;
            Unsafe.Add(ref s, j + 2) = s2 * scale;
            Unsafe.Add(ref s, j + 3) = s3 * scale;
        }
        for (; j < hi; j++)
        {
            ref float kj = ref Unsafe.Add(ref k, (nint)j * stride);
            Vector256<float> a = Vector256<float>.Zero;
            for (int d = 0; d < d8; d += 8)
            {
                a = Fma256(Vector256.LoadUnsafe(ref q, (nuint)d), Vector256.LoadUnsafe(ref kj, (nuint)d), a);
            }
            float sum = Vector256.Sum(a);
            for (int d = d8; d < headDim; d++)
            {
                sum += Unsafe.Add(ref q, d) * Unsafe.Add(ref kj, d);
            }
            Unsafe.Add(ref s, j) = sum * scale;
        }
    }

    /// <summary>
    /// <c>s[j] = unit · cap · tanh(s[j] / cap)</c> for <c>j ∈ [lo, hi)</c> (the softcap of the in-place path; <paramref name="unit"/>
    /// = log2 e puts the scores in the base-2 units of the vector softmax).
    /// </summary>
    public static void SoftcapRow(ref float s, int lo, int hi, float cap, float unit)
    {
        int j = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= hi; j += 8)
            {
                KernelSoftcap.Apply(Vector256.LoadUnsafe(ref s, (nuint)j), cap, unit).StoreUnsafe(ref s, (nuint)j);
            }
        }
        for (; j < hi; j++)
        {
            Unsafe.Add(ref s, j) = unit * KernelSoftcap.Apply(Unsafe.Add(ref s, j), cap);
        }
    }
}
