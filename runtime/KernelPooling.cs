using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics.X86;
#endif

namespace AttentionGen.Runtime;

/// <summary>
/// Attention pooling, called by the generated <c>Pool</c> entry points with the kernel's constants: one learned
/// query per head attends over the rows of a sequence and returns one <c>[dim]</c> vector (the sentence or document
/// vector of a hierarchical attention network). Vector512, Vector256 and scalar code paths; no allocation per call
/// (the score rows live in the thread's <see cref="KernelScratch"/>).
/// </summary>
/// <remarks>
/// For each head h (columns <c>[h·headDim, (h+1)·headDim)</c>): <c>s_j = scale · q_h·x_{j,h}</c> for the first
/// <c>rows</c> rows (then <c>softcap·tanh(s_j/softcap)</c> when <c>softcap &gt; 0</c>), <c>p = softmax(s)</c> with the row
/// maximum subtracted, and <c>output_h = Σ_j p_j · x_{j,h}</c>. Two passes over the rows: the scores of every head
/// in one sequential pass, then the weighted sum in another, both reading each row of x front to back.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelPooling
{
    /// <summary>
    /// Validates the arguments of a generated <c>Pool</c> (lengths, aliasing, then <paramref name="validRows"/>) and
    /// pools the first <paramref name="validRows"/> rows of <paramref name="x"/>; nothing is written if a check fails.
    /// </summary>
    /// <param name="x">The sequence, row-major <c>[seqLen, dim]</c>; only its first <paramref name="validRows"/> rows are read.</param>
    /// <param name="query">The pooling query, <c>[dim]</c>: head h's query is its columns.</param>
    /// <param name="output">Receives <c>[dim]</c>; must not overlap the inputs.</param>
    /// <param name="validRows">Rows to pool over, 1 to <paramref name="seqLen"/>.</param>
    /// <param name="seqLen">The kernel's SeqLen.</param>
    /// <param name="dim">The kernel's Dim.</param>
    /// <param name="heads">The kernel's Heads (divides <paramref name="dim"/>).</param>
    /// <param name="scale">The kernel's Scale.</param>
    /// <param name="softcap">The kernel's Softcap c (scores become c·tanh(s/c)), or 0 for none.</param>
    public static void Pool(ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<float> output, int validRows,
        int seqLen, int dim, int heads, float scale, float softcap)
    {
        if (x.Length != seqLen * dim)
        {
            KernelLayers.ThrowLength(x.Length, seqLen * dim, nameof(x), $"x is [SeqLen={seqLen}, Dim={dim}]");
        }
        if (query.Length != dim)
        {
            KernelLayers.ThrowLength(query.Length, dim, nameof(query), $"query is [Dim={dim}]");
        }
        if (output.Length != dim)
        {
            KernelLayers.ThrowLength(output.Length, dim, nameof(output), $"output is [Dim={dim}]");
        }
        KernelGuard.NoOverlap(x, output, nameof(x), nameof(output));
        KernelGuard.NoOverlap(query, output, nameof(query), nameof(output));
        if ((uint)(validRows - 1) >= (uint)seqLen)
        {
            ThrowValidRows(validRows, seqLen);
        }
        PoolRows(x, query, output, validRows, dim, heads, scale, softcap);
    }

    // Pools the first `rows` rows of x; the spans are already validated.
    private static void PoolRows(ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<float> output, int rows, int dim, int heads, float scale, float softcap)
    {
        int headDim = dim / heads;
        int stride = (rows + 15) & ~15;   // each head's score row, padded for the 16-lane softmax
        ref float scores = ref KernelScratch.Get(heads * stride);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float qr = ref MemoryMarshal.GetReference(query);
        ref float or = ref MemoryMarshal.GetReference(output);

        // Pass 1: every head's score for row j, reading row j once; × log2 e on a vector path (its softmax pass takes
        // base-2 scores, KernelMath's remarks).
        float unit = Use512 || Use256 ? KernelMath.Log2E : 1f;
        for (int j = 0; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref xr, (nint)j * dim);
            for (int h = 0; h < heads; h++)
            {
                float s = scale * Dot(ref Unsafe.Add(ref qr, h * headDim), ref Unsafe.Add(ref row, h * headDim), headDim);
                if (softcap > 0f)
                {
                    s = softcap * MathF.Tanh(s / softcap);
                }
                Unsafe.Add(ref scores, h * stride + j) = s * unit;
            }
        }

        // Softmax per head (numerically stable: the row maximum is subtracted); output is the accumulator.
        output.Clear();
        for (int h = 0; h < heads; h++)
        {
            ref float p = ref Unsafe.Add(ref scores, h * stride);
            float inv = Use512 ? KernelMath.SoftmaxRow512(ref p, rows, rows)
                : Use256 ? KernelMath.SoftmaxRow256(ref p, rows, rows)
                : KernelMath.SoftmaxRowScalar(ref p, rows, rows);
            // Fold 1/Σ into the weights: one multiply per (head, row) instead of one per output column.
            for (int j = 0; j < rows; j++)
            {
                Unsafe.Add(ref p, j) *= inv;
            }
        }

        // Pass 2: output_h += p_{h,j} · x_{j,h}, reading row j once.
        for (int j = 0; j < rows; j++)
        {
            ref float row = ref Unsafe.Add(ref xr, (nint)j * dim);
            for (int h = 0; h < heads; h++)
            {
                Axpy(ref Unsafe.Add(ref or, h * headDim), Unsafe.Add(ref scores, h * stride + j), ref Unsafe.Add(ref row, h * headDim), headDim);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowValidRows(int validRows, int seqLen) =>
        throw new ArgumentOutOfRangeException(nameof(validRows), validRows, $"validRows must be between 1 and SeqLen ({seqLen}).");

#if NET9_0_OR_GREATER
    private static bool Use512 => Vector512.IsHardwareAccelerated;
    private static bool Use256 => Vector256.IsHardwareAccelerated;
#else
    private static bool Use512 => Avx512F.IsSupported;
    private static bool Use256 => Fma.IsSupported && Avx2.IsSupported;
#endif

    // a·b over n floats: 16 lanes at a time, then 8, then one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ref float a, ref float b, int n)
    {
        int i = 0;
        float sum = 0f;
        if (Use512 && n >= 16)
        {
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            for (; i + 32 <= n; i += 32)
            {
                acc0 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)(i + 16)), Vector512.LoadUnsafe(ref b, (nuint)(i + 16)), acc1);
            }
            if (i + 16 <= n)
            {
                acc0 = Fma512(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                i += 16;
            }
            sum = Vector512.Sum(acc0 + acc1);
        }
        if ((Use512 || Use256) && i + 8 <= n)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
            {
                acc = Fma256(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc);
            }
            sum += Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }
        return sum;
    }

    // y += alpha·x over n floats.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(ref float y, float alpha, ref float x, int n)
    {
        int i = 0;
        if (Use512)
        {
            Vector512<float> a = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
            {
                Fma512(a, Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }
        if (Use512 || Use256)
        {
            Vector256<float> a = Vector256.Create(alpha);
            for (; i + 8 <= n; i += 8)
            {
                Fma256(a, Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref y, i) += alpha * Unsafe.Add(ref x, i);
        }
    }

#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
#else
    // Only reached where Avx512F (Vector512) or Fma (Vector256) is supported: see Use512 / Use256.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
#endif
}
