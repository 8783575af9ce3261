using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AttentionGen.Runtime;

/// <summary>
/// Runs a generated kernel on several threads: the work is cut into <c>parts</c> (whole heads, or
/// interleaved blocks of query rows when there are fewer heads than parts), the calling thread runs parts
/// too, and each part computes exactly what the serial kernel computes for those rows, so results are
/// bit-identical to a serial call. No allocation per call once a thread has made its first parallel call.
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
            Job<TKernel> job = Job<TKernel>.ForThisThread();
            job.Start(pq, pk, pv, po, parts);
            for (int i = 1; i < parts; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(job, preferLocal: false);
            }
            job.Work();
            job.WaitForWorkers();
        }
    }

    private sealed unsafe class Job<TKernel> : IThreadPoolWorkItem where TKernel : IAttentionKernel<TKernel>
    {
        [ThreadStatic]
        private static Job<TKernel>? t_job;

        private float* _q, _k, _v, _o;
        private int _parts;
        private int _next;
        private int _pendingWorkers;

        public static Job<TKernel> ForThisThread() => t_job ??= new Job<TKernel>();

        public void Start(float* q, float* k, float* v, float* o, int parts)
        {
            _q = q; _k = k; _v = v; _o = o;
            _parts = parts;
            _pendingWorkers = parts - 1;
            Volatile.Write(ref _next, 0);
        }

        public void Execute()
        {
            Work();
            Interlocked.Decrement(ref _pendingWorkers);
        }

        public void Work()
        {
            int part;
            while ((part = Interlocked.Increment(ref _next) - 1) < _parts)
            {
                TKernel.RunPart(ref Unsafe.AsRef<float>(_q), ref Unsafe.AsRef<float>(_k), ref Unsafe.AsRef<float>(_v), ref Unsafe.AsRef<float>(_o), part, _parts);
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
