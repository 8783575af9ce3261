using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Runtime;

/// <summary>
/// Helpers of the generated <c>Forward</c> (<c>Projections = true</c>): the scalar projection <c>C = A·W + b</c>, used when
/// Vector256 is not hardware accelerated and for the last columns that do not fill a vector.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProjectionMath
{
    /// <summary>
    /// Columns <c>[n0, n)</c> of <c>C = A·W + b</c>: A row-major <c>[m, k]</c>, W row-major <c>[k, n]</c>, b <c>[n]</c>,
    /// C row-major <c>[m, n]</c>. Each element is the float sum over <c>t = 0..k−1</c> in order, then plus its bias.
    /// </summary>
    public static void Gemm(ref float a, ref float w, ref float bias, ref float c, int m, int k, int n, int n0) =>
        GemmColumns(ref a, ref Unsafe.Add(ref w, n0), n, ref Unsafe.Add(ref bias, n0), ref Unsafe.Add(ref c, n0), m, k, n, n - n0);

    /// <summary>
    /// <paramref name="width"/> columns of <c>C = A·W + b</c> from a column panel of W (see
    /// <see cref="AttentionWeights.Panels"/>): A row-major <c>[m, k]</c>; <paramref name="w"/> at the panel's first column
    /// to use, its rows <paramref name="wStride"/> floats apart; <paramref name="bias"/> and <paramref name="c"/> at the
    /// first column (C's rows <paramref name="cStride"/> apart). Each element is the float sum over <c>t = 0..k−1</c> in
    /// order, then plus its bias (as <see cref="Gemm(ref float, ref float, ref float, ref float, int, int, int, int)"/>,
    /// which is this over a matrix's own rows).
    /// </summary>
    public static void GemmColumns(ref float a, ref float w, int wStride, ref float bias, ref float c, int m, int k, int cStride, int width)
    {
        for (int i = 0; i < m; i++)
        {
            ref float ci = ref Unsafe.Add(ref c, (nint)i * cStride);
            ref float ai = ref Unsafe.Add(ref a, (nint)i * k);
            for (int j = 0; j < width; j++) Unsafe.Add(ref ci, j) = 0f;
            for (int t = 0; t < k; t++)
            {
                float at = Unsafe.Add(ref ai, t);
                ref float wt = ref Unsafe.Add(ref w, (nint)t * wStride);
                for (int j = 0; j < width; j++)
                {
                    Unsafe.Add(ref ci, j) += at * Unsafe.Add(ref wt, j);
                }
            }
            for (int j = 0; j < width; j++) Unsafe.Add(ref ci, j) += Unsafe.Add(ref bias, j);
        }
    }

    /// <summary>The span form of <see cref="Gemm(ref float, ref float, ref float, ref float, int, int, int, int)"/> over every column.</summary>
    public static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> c, int m, int k, int n)
    {
        if (a.Length < m * k || w.Length < k * n || bias.Length < n || c.Length < m * n)
        {
            throw new ArgumentException("A span is shorter than the projection's shape.");
        }
        Gemm(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(bias), ref MemoryMarshal.GetReference(c), m, k, n, 0);
    }
}

/// <summary>
/// Per-thread scratch memory of the generated <c>Forward</c>: the projected Q, K, V and the attention context. Separate
/// from <see cref="KernelScratch"/>, which the attention kernel called in between uses. Grows to the largest layer the
/// thread has run, then is reused: no allocation per call once warm.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProjectionScratch
{
    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>At least <paramref name="length"/> floats of this thread's projection scratch; contents unspecified.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Get(int length) => ref KernelScratch.Get(ref t_buffer, length);
}
