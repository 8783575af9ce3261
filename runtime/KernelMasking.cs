using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Runtime;

/// <summary>
/// The per-call masks of the generated kernels (<see cref="KernelMask"/>): applied to a row of scaled scores
/// before the softmax, so a masked score is −∞ whatever q·k was (a NaN or ∞ in a masked key's K cannot leak),
/// and the exact P·V of a row for calls whose values hold a non-finite number.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelMasking
{
    private const ulong AllBools = 0x0101010101010101UL;

    /// <summary>
    /// Applies the mask of query row <paramref name="i"/> to its scores <c>row[lo..hi)</c> (absolute key indices):
    /// additive entries are added (−∞ masks exactly), false entries and 0 bits become −∞.
    /// </summary>
    public static void Apply(ref float row, int lo, int hi, scoped in KernelMask mask, int i, int keyLen, float unit = 1f)
    {
        switch (mask.Kind)
        {
            case MaskKind.Additive:
                ApplyAdditive(ref row, lo, hi, ref Unsafe.As<byte, float>(ref Unsafe.Add(ref mask.Data, (nint)i * keyLen * sizeof(float))), unit);
                break;
            case MaskKind.Allowed:
                ApplyAllowed(ref row, lo, hi, ref Unsafe.Add(ref mask.Data, (nint)i * keyLen));
                break;
            case MaskKind.Bits:
                ApplyBits(ref row, lo, hi, ref Unsafe.Add(ref mask.Data, (nint)i * mask.BytesPerRow));
                break;
        }
    }

    // s + m·unit (one rounding), −∞ where m is −∞. unit is log2 e for kernels that keep their scores in base-2 units.
    private static void ApplyAdditive(ref float row, int lo, int hi, ref float m, float unit)
    {
        int j = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> minusInf = Vector256.Create(float.NegativeInfinity);
            Vector256<float> u = Vector256.Create(unit);
            for (; j + 8 <= hi; j += 8)
            {
                Vector256<float> mv = Vector256.LoadUnsafe(ref m, (nuint)j);
                Vector256<float> sv = Vector256.LoadUnsafe(ref row, (nuint)j);
                Vector256<float> sum = unit == 1f ? sv + mv : KernelMath.Fma256(mv, u, sv);   // unit ≠ 1 only from a Vector512/Vector256 kernel (FMA present)
                Vector256.ConditionalSelect(Vector256.Equals(mv, minusInf), minusInf, sum).StoreUnsafe(ref row, (nuint)j);
            }
        }
        for (; j < hi; j++)
        {
            float mj = Unsafe.Add(ref m, j);
            ref float s = ref Unsafe.Add(ref row, j);
            s = float.IsNegativeInfinity(mj) ? float.NegativeInfinity : unit == 1f ? s + mj : MathF.FusedMultiplyAdd(mj, unit, s);
        }
    }

    private static void ApplyAllowed(ref float row, int lo, int hi, ref byte allowed)
    {
        int j = lo;
        for (; j + 8 <= hi; j += 8)
        {
            ulong eight = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref allowed, j));
            if (eight == AllBools)
            {
                continue;   // all eight keys connected: the common case of a dense mask
            }
            for (int t = 0; t < 8; t++)
            {
                if (Unsafe.Add(ref allowed, j + t) == 0)
                {
                    Unsafe.Add(ref row, j + t) = float.NegativeInfinity;
                }
            }
        }
        for (; j < hi; j++)
        {
            if (Unsafe.Add(ref allowed, j) == 0)
            {
                Unsafe.Add(ref row, j) = float.NegativeInfinity;
            }
        }
    }

    private static void ApplyBits(ref float row, int lo, int hi, ref byte bits)
    {
        int j = lo;
        for (; j < hi && (j & 7) != 0; j++)
        {
            if ((Unsafe.Add(ref bits, j >> 3) >> (j & 7) & 1) == 0) Unsafe.Add(ref row, j) = float.NegativeInfinity;
        }
        for (; j + 8 <= hi; j += 8)
        {
            int b = Unsafe.Add(ref bits, j >> 3);
            if (b == 0xFF)
            {
                continue;
            }
            for (int t = 0; t < 8; t++)
            {
                if ((b >> t & 1) == 0) Unsafe.Add(ref row, j + t) = float.NegativeInfinity;
            }
        }
        for (; j < hi; j++)
        {
            if ((Unsafe.Add(ref bits, j >> 3) >> (j & 7) & 1) == 0) Unsafe.Add(ref row, j) = float.NegativeInfinity;
        }
    }

    /// <summary>True when <paramref name="rows"/> rows of <paramref name="cols"/> floats (rows <paramref name="stride"/> apart) are all finite.</summary>
    /// <remarks>
    /// One pass with no test per row: x·0 is ±0 for a finite x and NaN for ±∞ or NaN, and the bits of those products are
    /// OR-ed together (a one-cycle chain), so the exponent bits of some lane end all set exactly when a value was not
    /// finite (<see cref="KernelPacking.NotFinite(Vector256{float})"/>).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ref float src, int rows, int cols, int stride)
    {
        Vector256<float> products = Vector256<float>.Zero;
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref src, (nint)r * stride);
            int c = 0;
            for (; c + 8 <= cols; c += 8)
            {
                products |= Vector256.LoadUnsafe(ref row, (nuint)c) * Vector256<float>.Zero;
            }
            for (; c < cols; c++)
            {
                if (!float.IsFinite(Unsafe.Add(ref row, c))) return false;
            }
        }
        return !KernelPacking.NotFinite(products);
    }

    /// <summary>
    /// One output row of P·V for a masked or causal call whose values hold a non-finite number: the keys the mask masks
    /// for row <paramref name="i"/>, and the keys outside [lo, hi), are skipped (not multiplied by their zero weight), so
    /// their values never reach the output. <c>o[d] = f · Σ_{j ∈ [lo, hi), not masked} p[j] · v[j, d]</c>, summed in key
    /// order with one fused multiply-add per key as the P·V micro-kernels do, so the rows whose own keys are finite get
    /// the same bits as they would from the micro-kernels (which add the exact zeros of the skipped keys instead).
    /// </summary>
    public static void ExactRow(ref float p, int lo, int hi, float f, ref float v, int stride, int headDim, ref float o, scoped in KernelMask mask, int i, int keyLen)
    {
        for (int d = 0; d < headDim; d++)
        {
            Unsafe.Add(ref o, d) = 0f;
        }
        for (int j = lo; j < hi; j++)
        {
            if (mask.Masks(i, j, keyLen))
            {
                continue;
            }
            float pj = Unsafe.Add(ref p, j);
            ref float vj = ref Unsafe.Add(ref v, (nint)j * stride);
            for (int d = 0; d < headDim; d++)
            {
                Unsafe.Add(ref o, d) = MathF.FusedMultiplyAdd(pj, Unsafe.Add(ref vj, d), Unsafe.Add(ref o, d));
            }
        }
        for (int d = 0; d < headDim; d++)
        {
            Unsafe.Add(ref o, d) *= f;
        }
    }
}
