using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AttentionGen.Runtime;

/// <summary>
/// Runs a generated kernel on several threads: the work is cut into <c>parts</c> (whole heads, or
/// interleaved blocks of query rows when there are fewer heads than parts; for a batch, whole sequences when there
/// are at least as many sequences as parts), the calling thread runs parts too, and each part computes exactly what
/// the serial kernel computes for those rows, so results are bit-identical to a serial call. No allocation per call once a thread has made its first parallel call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelParallel
{
    /// <summary>Work below this many FLOPs per part stays on fewer threads: a hand-off costs a few µs.</summary>
    public const double MinFlopsPerPart = 4e6;

    /// <summary>How many parts to cut a call of <paramref name="flops"/> into (1 = run serially on the caller).</summary>
    public static int Parts(double flops, int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "maxDegreeOfParallelism must be at least 1.");
        }
        int byWork = (int)Math.Max(1, Math.Min(int.MaxValue, flops / MinFlopsPerPart));
        return Math.Min(Math.Min(maxDegreeOfParallelism, Environment.ProcessorCount), byWork);
    }

    /// <summary>
    /// How many parts to cut a call of <paramref name="flops"/> into, for the overloads that take
    /// <see cref="System.Threading.Tasks.ParallelOptions"/>: its <c>MaxDegreeOfParallelism</c> (−1: every core) bounds the
    /// threads, and a cancelled <c>CancellationToken</c> throws before any work starts.
    /// </summary>
    public static int Parts(double flops, System.Threading.Tasks.ParallelOptions parallel)
    {
        ArgumentNullException.ThrowIfNull(parallel);
        parallel.CancellationToken.ThrowIfCancellationRequested();
        int degree = parallel.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : parallel.MaxDegreeOfParallelism;
        return Parts(flops, degree);
    }

    /// <summary>Runs <typeparamref name="TKernel"/> in <paramref name="parts"/> parts; the spans are already validated.</summary>
    public static unsafe void Run<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int parts)
        where TKernel : IAttentionKernel<TKernel>
    {
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            Execute(Job<TKernel>.ForThisThread(), pq, pk, pv, po, sequences: 1, qStride: 0, kvStride: 0, split: parts, threads: parts);
        }
    }

    /// <summary>
    /// Runs <typeparamref name="TKernel"/> over <paramref name="batch"/> consecutive sequences on up to
    /// <paramref name="parts"/> threads; the spans are already validated. When there are at least as many sequences
    /// as parts, each unit of work is one whole sequence (<c>RunPart(…, 0, 1)</c>, the serial computation);
    /// otherwise each sequence is cut into <paramref name="parts"/> parts (<c>RunPart(…, p, parts)</c>, whole heads
    /// or interleaved row blocks). Either way every output row is computed exactly as the serial call computes it,
    /// so results are bit-identical to a loop of serial calls.
    /// </summary>
    /// <param name="q">Queries of every sequence, <c>batch</c> blocks of <paramref name="qStride"/> floats.</param>
    /// <param name="k">Keys, <c>batch</c> blocks of <paramref name="kvStride"/> floats.</param>
    /// <param name="v">Values, <c>batch</c> blocks of <paramref name="kvStride"/> floats.</param>
    /// <param name="output">Outputs, <c>batch</c> blocks of <paramref name="qStride"/> floats.</param>
    /// <param name="batch">Sequences (≥ 1).</param>
    /// <param name="qStride">Floats per sequence of q and output (<c>SeqLen·Dim</c>).</param>
    /// <param name="kvStride">Floats per sequence of k and v (<c>KeyLen·KvDim</c>).</param>
    /// <param name="parts">Threads to use, from <see cref="Parts(double, System.Threading.Tasks.ParallelOptions)"/> (≥ 2).</param>
    public static unsafe void RunBatch<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
        int batch, int qStride, int kvStride, int parts)
        where TKernel : IAttentionKernel<TKernel>
    {
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            int split = batch >= parts ? 1 : parts;
            Execute(Job<TKernel>.ForThisThread(), pq, pk, pv, po, batch, qStride, kvStride, split, threads: parts);
        }
    }

    private static unsafe void Execute<TKernel>(Job<TKernel> job, float* q, float* k, float* v, float* o,
        int sequences, int qStride, int kvStride, int split, int threads)
        where TKernel : IAttentionKernel<TKernel>
    {
        job.Start(q, k, v, o, sequences, qStride, kvStride, split, threads);
        for (int i = 1; i < threads; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
        }
        job.Work();
        job.WaitForWorkers();
    }

    private sealed unsafe class Job<TKernel> : IThreadPoolWorkItem where TKernel : IAttentionKernel<TKernel>
    {
        [ThreadStatic]
        private static Job<TKernel>? t_job;

        private float* _q, _k, _v, _o;
        private int _qStride, _kvStride;
        private int _split;        // parts per sequence
        private int _units;        // sequences × split
        private int _next;
        private int _pendingWorkers;

        public static Job<TKernel> ForThisThread() => t_job ??= new Job<TKernel>();

        public void Start(float* q, float* k, float* v, float* o, int sequences, int qStride, int kvStride, int split, int threads)
        {
            _q = q; _k = k; _v = v; _o = o;
            _qStride = qStride; _kvStride = kvStride;
            _split = split;
            _units = sequences * split;
            _pendingWorkers = threads - 1;
            Volatile.Write(ref _next, 0);
        }

        public void Execute()
        {
            Work();
            Interlocked.Decrement(ref _pendingWorkers);
        }

        // Units are taken in order by whichever thread is free: unit u is part u % split of sequence u / split.
        public void Work()
        {
            int unit;
            while ((unit = Interlocked.Increment(ref _next) - 1) < _units)
            {
                int sequence = unit / _split, part = unit - sequence * _split;
                nint qOffset = (nint)sequence * _qStride, kvOffset = (nint)sequence * _kvStride;
                TKernel.RunPart(ref Unsafe.AsRef<float>(_q + qOffset), ref Unsafe.AsRef<float>(_k + kvOffset), ref Unsafe.AsRef<float>(_v + kvOffset),
                    ref Unsafe.AsRef<float>(_o + qOffset), part, _split);
            }
        }

        // Every queued work item must have finished before the caller returns (and unpins the spans, and may
        // reuse this job): a worker that starts late finds no part left and only signals. The parts are
        // balanced, so the wait is short; SpinWait spins, then yields the core (never sleeps, never allocates,
        // unlike an event whose first blocking wait allocates its lock).
        public void WaitForWorkers()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _pendingWorkers) > 0)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }
}
