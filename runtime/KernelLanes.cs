using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AttentionGen.Runtime;

/// <summary>
/// Helpers of the generated "rows as lanes" micro-kernels, used for tiny key counts: there a vector holds one key's
/// score for 16 (or 8) query rows, so the softmax's max and sum over keys are lane-wise operations instead of
/// horizontal reductions (whose latency dominates rows of one or two vectors).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelLanes
{
    /// <summary>Lane-wise maximum (the native instruction: a NaN lane may or may not win; callers see NaN through exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => KernelMath.Max512(a, b);

    /// <summary>Lane-wise maximum (see the Vector512 overload).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => KernelMath.Max256(a, b);

    /// <summary>0, 1, …, 15: the row offset of each lane.</summary>
    public static Vector512<float> Index512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);
    }

    /// <summary>0, 1, …, 7: the row offset of each lane.</summary>
    public static Vector256<float> Index256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
    }

    /// <summary>
    /// Writes a block computed with rows as lanes back as rows: <paramref name="columns"/> holds <paramref name="cols"/>
    /// vectors of <paramref name="lanes"/> floats (column c, row r at <c>c·lanes + r</c>); row r of the output
    /// (<paramref name="rowStride"/> floats apart) receives its first <paramref name="cols"/> floats, for r &lt; <paramref name="rows"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StoreRows(ref float columns, int lanes, int cols, int rows, ref float output, int rowStride)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            int c8 = cols & ~7;
            for (; r + 8 <= rows; r += 8)
            {
                ref float row = ref Unsafe.Add(ref output, (nint)r * rowStride);
                for (int c = 0; c < c8; c += 8)
                {
                    KernelPacking.Transpose8x8(ref Unsafe.Add(ref columns, (nint)c * lanes + r), lanes, ref Unsafe.Add(ref row, c), rowStride);
                }
                for (int c = c8; c < cols; c++)
                {
                    for (int t = 0; t < 8; t++)
                    {
                        Unsafe.Add(ref row, (nint)t * rowStride + c) = Unsafe.Add(ref columns, (nint)c * lanes + r + t);
                    }
                }
            }
        }
        for (; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref output, (nint)r * rowStride);
            for (int c = 0; c < cols; c++)
            {
                Unsafe.Add(ref row, c) = Unsafe.Add(ref columns, (nint)c * lanes + r);
            }
        }
    }
}
