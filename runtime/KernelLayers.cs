using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace AttentionGen.Runtime;

/// <summary>
/// The layer entry points a generated kernel forwards to with its constants: batches of sequences
/// (<c>AttendBatch</c>, <c>SelfAttendBatch</c>) and context concatenation (<c>SelfAttendConcat</c>). Arguments are
/// validated before anything is written; each sequence is computed by the kernel's own
/// <see cref="KernelParallel.RunSerial{TKernel}"/> (all of <see cref="IKernelUnits{TSelf}.RunUnits"/>), so a batch is bit-identical to a loop of single calls. No allocation.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelLayers
{
    /// <summary>Serial <c>AttendBatch</c>: checks, then one whole-sequence kernel call per sequence.</summary>
    public static void AttendBatch<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch,
        int seqLen, int dim, int keyLen, int kvDim)
        where TKernel : IAttentionKernel<TKernel>
    {
        CheckBatch(q, k, v, output, batch, seqLen, dim, keyLen, kvDim);
        RunSerial<TKernel>(q, k, v, output, batch, seqLen * dim, keyLen * kvDim);
    }

    /// <summary>
    /// Parallel <c>AttendBatch</c>: checks, then <see cref="KernelParallel.Parts(double, ParallelOptions)"/> of
    /// <paramref name="batch"/> × <paramref name="flops"/> threads (one: the serial loop on the calling thread).
    /// </summary>
    public static void AttendBatch<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch,
        int seqLen, int dim, int keyLen, int kvDim, double flops, ParallelOptions parallel)
        where TKernel : IAttentionKernel<TKernel>
    {
        CheckBatch(q, k, v, output, batch, seqLen, dim, keyLen, kvDim);
        int parts = KernelParallel.Parts(batch * flops, parallel);
        if (parts == 1)
        {
            RunSerial<TKernel>(q, k, v, output, batch, seqLen * dim, keyLen * kvDim);
        }
        else
        {
            KernelParallel.RunBatch<TKernel>(q, k, v, output, batch, seqLen * dim, keyLen * kvDim, parts);
        }
    }

    /// <summary>Serial <c>SelfAttendBatch</c>: <c>AttendBatch(x, x, x, output, batch)</c> with x's name in the messages.</summary>
    public static void SelfAttendBatch<TKernel>(ReadOnlySpan<float> x, Span<float> output, int batch, int seqLen, int dim)
        where TKernel : IAttentionKernel<TKernel>
    {
        CheckSelfBatch(x, output, batch, seqLen, dim);
        RunSerial<TKernel>(x, x, x, output, batch, seqLen * dim, seqLen * dim);
    }

    /// <summary>Parallel <c>SelfAttendBatch</c>.</summary>
    public static void SelfAttendBatch<TKernel>(ReadOnlySpan<float> x, Span<float> output, int batch, int seqLen, int dim, double flops, ParallelOptions parallel)
        where TKernel : IAttentionKernel<TKernel>
    {
        CheckSelfBatch(x, output, batch, seqLen, dim);
        int parts = KernelParallel.Parts(batch * flops, parallel);
        if (parts == 1)
        {
            RunSerial<TKernel>(x, x, x, output, batch, seqLen * dim, seqLen * dim);
        }
        else
        {
            KernelParallel.RunBatch<TKernel>(x, x, x, output, batch, seqLen * dim, seqLen * dim, parts);
        }
    }

    /// <summary>
    /// <c>SelfAttendConcat</c>: the contexts <c>c = SelfAttend(x)</c> go to the front half of <paramref name="output"/>,
    /// then the rows spread out from the last to the first: row i's context moves from <c>[i·dim, (i+1)·dim)</c> to
    /// <c>[(2i+1)·dim, (2i+2)·dim)</c>, which no row below i still needs, then x_i fills <c>[2i·dim, (2i+1)·dim)</c>.
    /// </summary>
    public static void SelfAttendConcat<TKernel>(ReadOnlySpan<float> x, Span<float> output, int seqLen, int dim)
        where TKernel : IAttentionKernel<TKernel>
    {
        int n = seqLen * dim;
        if (x.Length != n)
        {
            ThrowLength(x.Length, n, nameof(x), $"x is [SeqLen={seqLen}, Dim={dim}]");
        }
        if (output.Length != 2L * n)
        {
            ThrowLength(output.Length, 2L * n, nameof(output), $"output is [SeqLen={seqLen}, 2·Dim={2 * dim}]");
        }
        KernelGuard.NoOverlap(x, output, nameof(x), nameof(output));
        ref float xr = ref MemoryMarshal.GetReference(x);
        KernelParallel.RunSerial<TKernel>(ref xr, ref xr, ref xr, ref MemoryMarshal.GetReference(output));
        for (int i = seqLen - 1; i >= 0; i--)
        {
            output.Slice(i * dim, dim).CopyTo(output.Slice((2 * i + 1) * dim, dim));
            x.Slice(i * dim, dim).CopyTo(output.Slice(2 * i * dim, dim));
        }
    }

    // One whole-sequence call per sequence: RunSerial is the serial kernel (what Attend runs).
    private static void RunSerial<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int batch, int qStride, int kvStride)
        where TKernel : IAttentionKernel<TKernel>
    {
        ref float qr = ref MemoryMarshal.GetReference(q), kr = ref MemoryMarshal.GetReference(k), vr = ref MemoryMarshal.GetReference(v);
        ref float or = ref MemoryMarshal.GetReference(output);
        for (int b = 0; b < batch; b++)
        {
            nint qOffset = (nint)b * qStride, kvOffset = (nint)b * kvStride;
            KernelParallel.RunSerial<TKernel>(ref Unsafe.Add(ref qr, qOffset), ref Unsafe.Add(ref kr, kvOffset), ref Unsafe.Add(ref vr, kvOffset), ref Unsafe.Add(ref or, qOffset));
        }
    }

    // The count, then every length (in 64 bits: batch × floats per sequence cannot overflow into a match), then aliasing.
    private static void CheckBatch(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch,
        int seqLen, int dim, int keyLen, int kvDim)
    {
        Count(batch);
        BatchLength(q.Length, batch, seqLen, dim, nameof(q), "SeqLen", "Dim");
        BatchLength(k.Length, batch, keyLen, kvDim, nameof(k), "KeyLen", "KvDim");
        BatchLength(v.Length, batch, keyLen, kvDim, nameof(v), "KeyLen", "KvDim");
        BatchLength(output.Length, batch, seqLen, dim, nameof(output), "SeqLen", "Dim");
        KernelGuard.NoOverlap(q, output, nameof(q), nameof(output));
        KernelGuard.NoOverlap(k, output, nameof(k), nameof(output));
        KernelGuard.NoOverlap(v, output, nameof(v), nameof(output));
    }

    private static void CheckSelfBatch(ReadOnlySpan<float> x, Span<float> output, int batch, int seqLen, int dim)
    {
        Count(batch);
        BatchLength(x.Length, batch, seqLen, dim, nameof(x), "SeqLen", "Dim");
        BatchLength(output.Length, batch, seqLen, dim, nameof(output), "SeqLen", "Dim");
        KernelGuard.NoOverlap(x, output, nameof(x), nameof(output));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Count(int batch)
    {
        if (batch < 1)
        {
            ThrowCount(batch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BatchLength(int actual, int batch, int rows, int cols, string paramName, string rowsName, string colsName)
    {
        if (actual != (long)batch * rows * cols)
        {
            ThrowBatchLength(actual, batch, rows, cols, paramName, rowsName, colsName);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBatchLength(int actual, int batch, int rows, int cols, string paramName, string rowsName, string colsName) =>
        ThrowLength(actual, (long)batch * rows * cols, paramName, $"batch {batch} × {rows * cols}: {paramName} is [batch, {rowsName}={rows}, {colsName}={cols}]");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCount(int batch) =>
        throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowLength(long actual, long expected, string paramName, string shape) =>
        throw new ArgumentException($"'{paramName}' must hold exactly {expected} floats ({shape}) but holds {actual}.", paramName);
}
