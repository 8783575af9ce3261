using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Runtime;

/// <summary>
/// Repacks one head of K or V into the layouts the register-tiled micro-kernels read contiguously.
/// Called once per head per call (O(S·HeadDim) work against the kernel's O(S²·HeadDim)).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelPacking
{
    /// <summary>
    /// Writes the keys of one head as panels of <paramref name="panelWidth"/> keys, transposed so that keys
    /// are the vector lanes: element (key j, dim d) goes to
    /// <c>dst[(j / panelWidth)·headDim·panelWidth + d·panelWidth + j % panelWidth]</c>.
    /// Lanes past the last key are left as they were (the kernels mask those scores).
    /// </summary>
    /// <param name="k">The head's first column in row 0 of K.</param>
    /// <param name="rowStride">Floats between consecutive rows of K (the model dimension).</param>
    /// <param name="keys">Number of keys (rows) to pack.</param>
    /// <param name="headDim">Columns of the head.</param>
    /// <param name="panelWidth">Keys per panel, a multiple of 8.</param>
    /// <param name="dst">Start of the packed buffer.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackKeyPanels(ref float k, int rowStride, int keys, int headDim, int panelWidth, ref float dst)
    {
        int panelSize = headDim * panelWidth;
        int j = 0;
        if (Avx.IsSupported)
        {
            int d8 = headDim & ~7;
            for (; j + 8 <= keys; j += 8)
            {
                ref float kj = ref Unsafe.Add(ref k, (nint)j * rowStride);
                ref float panel = ref Unsafe.Add(ref dst, (nint)(j / panelWidth) * panelSize + (j % panelWidth));
                for (int d = 0; d < d8; d += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref kj, d), rowStride, ref Unsafe.Add(ref panel, (nint)d * panelWidth), panelWidth);
                }
                for (int d = d8; d < headDim; d++)
                {
                    ref float row = ref Unsafe.Add(ref panel, (nint)d * panelWidth);
                    for (int t = 0; t < 8; t++)
                    {
                        Unsafe.Add(ref row, t) = Unsafe.Add(ref kj, (nint)t * rowStride + d);
                    }
                }
            }
        }
        for (; j < keys; j++)
        {
            ref float kj = ref Unsafe.Add(ref k, (nint)j * rowStride);
            ref float panel = ref Unsafe.Add(ref dst, (nint)(j / panelWidth) * panelSize + (j % panelWidth));
            for (int d = 0; d < headDim; d++)
            {
                Unsafe.Add(ref panel, (nint)d * panelWidth) = Unsafe.Add(ref kj, d);
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="cols"/> floats into a buffer whose rows are
    /// <paramref name="dstStride"/> floats apart (the padded head dimension of the P·V tiles).
    /// </summary>
    /// <returns>True when every value copied is finite (checked on the way, as <see cref="KernelMasking.AllFinite"/> does).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool PackRows(ref float src, int rowStride, int rows, int cols, int dstStride, ref float dst)
    {
        Vector256<float> products = Vector256<float>.Zero;   // OR of the bits of x·0: exponent bits all set in a lane iff some x was ±∞ or NaN
        float rest = 0f;   // Σ x − x over the columns past the last whole vector: NaN iff one was ±∞ or NaN
        for (int j = 0; j < rows; j++)
        {
            ref float s = ref Unsafe.Add(ref src, (nint)j * rowStride);
            ref float t = ref Unsafe.Add(ref dst, (nint)j * dstStride);
            int c = 0;
            for (; c + 8 <= cols; c += 8)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref s, (nuint)c);
                x.StoreUnsafe(ref t, (nuint)c);
                products |= x * Vector256<float>.Zero;
            }
            for (; c < cols; c++)
            {
                float x = Unsafe.Add(ref s, c);
                Unsafe.Add(ref t, c) = x;
                rest += x - x;
            }
            for (; c < dstStride; c++)
            {
                Unsafe.Add(ref t, c) = 0f;
            }
        }
        return rest == 0f && !NotFinite(products);
    }

    /// <summary>
    /// True when some lane of an OR of x·0 products has all its exponent bits set (as a float, that lane is ±∞ or NaN, and
    /// p − p is NaN, which the sum of the lanes keeps): some x was ±∞ or NaN. The OR of the ±0 products of finite values
    /// is ±0. (Not Vector256.EqualsAll: its first use in a process costs ~1.2 ms of JIT.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool NotFinite(Vector256<float> products) => !(KernelMath.SumAcross(products - products) == 0f);

    // 8 rows × 8 columns at src (rows rowStride apart) → 8 rows × 8 columns at dst (rows dstStride apart), transposed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(ref float src, int rowStride, ref float dst, int dstStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref src);
        Vector256<float> r1 = Vector256.LoadUnsafe(ref src, (nuint)rowStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref src, (nuint)(2 * rowStride));
        Vector256<float> r3 = Vector256.LoadUnsafe(ref src, (nuint)(3 * rowStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref src, (nuint)(4 * rowStride));
        Vector256<float> r5 = Vector256.LoadUnsafe(ref src, (nuint)(5 * rowStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref src, (nuint)(6 * rowStride));
        Vector256<float> r7 = Vector256.LoadUnsafe(ref src, (nuint)(7 * rowStride));

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dst);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dst, (nuint)dstStride);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dst, (nuint)(2 * dstStride));
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dst, (nuint)(3 * dstStride));
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dst, (nuint)(4 * dstStride));
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dst, (nuint)(5 * dstStride));
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dst, (nuint)(6 * dstStride));
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dst, (nuint)(7 * dstStride));
    }
}
