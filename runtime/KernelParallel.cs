using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;

namespace AttentionGen.Runtime;

/// <summary>
/// Runs a generated kernel on several threads. The work is a row of units (query heads × blocks of rows, sequence after
/// sequence; whole sequences when a batch has many); each thread, the caller included, owns a contiguous range of them
/// and takes chunks from its front, and a thread whose range is empty steals the back half of the largest range left.
/// A thread that starts late (a parked pool thread takes ~10 µs to wake) so costs the call only the part of the delay
/// the others cannot cover. Each unit computes exactly what the serial kernel computes for its rows, so results are
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

    /// <summary>Runs <typeparamref name="TKernel"/> on up to <paramref name="parts"/> threads; the spans are already validated.</summary>
    public static unsafe void Run<TKernel>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int parts)
        where TKernel : IKernelUnits<TKernel>
    {
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            Execute(Job<TKernel>.ForThisThread(), pq, pk, pv, po, sequences: 1, qStride: 0, kvStride: 0, parts);
        }
    }

    /// <summary>
    /// Runs <typeparamref name="TKernel"/> over <paramref name="batch"/> consecutive sequences on up to
    /// <paramref name="parts"/> threads; the spans are already validated. The units are the kernel's own (heads × row
    /// blocks) of every sequence, or whole sequences when there are at least <see cref="WholeSequencesPerThread"/> per
    /// thread. Either way every output row is computed exactly as the serial call computes it, so results are
    /// bit-identical to a loop of serial calls.
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
        where TKernel : IKernelUnits<TKernel>
    {
        fixed (float* pq = q, pk = k, pv = v, po = output)
        {
            Execute(Job<TKernel>.ForThisThread(), pq, pk, pv, po, batch, qStride, kvStride, parts);
        }
    }

    /// <summary>With at least this many sequences per thread, a unit is a whole sequence (fewer, larger chunks).</summary>
    public const int WholeSequencesPerThread = 16;

    /// <summary>The serial computation of one sequence: all of its units on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RunSerial<TKernel>(ref float q, ref float k, ref float v, ref float output)
        where TKernel : IKernelUnits<TKernel>
    {
        int state = -1;
        TKernel.RunUnits(ref q, ref k, ref v, ref output, 0, TKernel.WorkUnits, ref state);
    }

    private static unsafe void Execute<TKernel>(Job<TKernel> job, float* q, float* k, float* v, float* o,
        int sequences, int qStride, int kvStride, int threads)
        where TKernel : IKernelUnits<TKernel>
    {
        long perSequence = TKernel.WorkUnits;
        if (sequences >= (long)WholeSequencesPerThread * threads || sequences * perSequence > int.MaxValue / 2)
        {
            perSequence = 0;   // whole sequences
        }
        int units = (int)(perSequence == 0 ? sequences : sequences * perSequence);
        threads = Math.Min(threads, units);
        job.Start(q, k, v, o, (int)perSequence, units, qStride, kvStride, threads);
        job.QueueHelpers(threads - 1);
        job.Work(0);
        job.Finish();
    }

    /// <summary>Queues a helper on the thread pool; tests replace it to hold helpers back, as a saturated pool would.</summary>
    internal static Action<IThreadPoolWorkItem> Queue = static item => ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);

    /// <summary>
    /// How long a helper stays on its pool thread after its call, spinning, for the next call of the same calling thread
    /// (<see cref="System.Diagnostics.Stopwatch"/> ticks; default 50 µs). A call that finds it there hands it the work directly: it starts in
    /// well under a µs instead of the ~3 µs a queued work item takes to start on a spinning pool thread (bench/RESULTS.md).
    /// Read on every spin, so a test can end a linger by setting it to 0.
    /// </summary>
    internal static long LingerTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;

    /// <summary>
    /// Whether the thread pool has work items waiting for a thread (another caller's helper, anyone's work): a lingering
    /// helper then gives its thread back at once instead of spinning on it. Checked on every spin (~0.03 µs, a spin is
    /// ~0.3 µs); tests replace it.
    /// </summary>
    internal static Func<bool> PoolHasWaitingWork = static () => ThreadPool.PendingWorkItemCount > 0;

    /// <summary>What a helper works on: the open call of one of its calling thread's jobs.</summary>
    private abstract class JobBase
    {
        /// <summary>Works on the open call, if there is one and it still needs a thread; touches nothing otherwise.</summary>
        public abstract void Help();
    }

    /// <summary>
    /// The calling thread's helpers, shared by all of its jobs (a kernel's, a projection's): a helper lingering after one
    /// kernel's call joins the next call of any of them, as a parallel <c>Forward</c>'s projections and attention follow
    /// each other.
    /// </summary>
    [ThreadStatic]
    private static Helper[]? t_helpers;

    /// <summary>
    /// Hands the open call of <paramref name="job"/> to <paramref name="count"/> helpers. A helper lingering after an
    /// earlier call is claimed and joins at once. A helper still waiting in the pool's queue from an earlier call (the pool
    /// was busy) is not queued again: when it runs it helps whatever call is open then. So a calling thread has at most one
    /// helper per extra thread, allocated once.
    /// </summary>
    private static void QueueHelpers(JobBase job, int count)
    {
        Helper[] helpers = t_helpers ??= [];
        if (helpers.Length < count)
        {
            int had = helpers.Length;
            Array.Resize(ref helpers, count);
            for (int i = had; i < count; i++) helpers[i] = new Helper();
            t_helpers = helpers;
        }
        for (int i = 0; i < count; i++)
        {
            Helper helper = helpers[i];
            Volatile.Write(ref helper.Target, job);   // before the claim or the queueing publishes it
            if (Interlocked.CompareExchange(ref helper.Idle, Helper.Claimed, Helper.Lingering) == Helper.Lingering)
            {
                continue;   // still spinning on its pool thread after the last call: it joins this one at once
            }
            if (Interlocked.Exchange(ref helper.Queued, 1) == 0)
            {
                Queue(helper);
            }
        }
    }

    /// <summary>
    /// One hand-off: a pool work item that helps with the open call of its <see cref="Target"/> when it runs, then lingers
    /// for <see cref="LingerTicks"/> (less if <see cref="PoolHasWaitingWork"/>): a call that claims it meanwhile (<see cref="Idle"/> Lingering → Claimed) gets its help
    /// without queueing anything, and the linger starts again after that call.
    /// </summary>
    private sealed class Helper : IThreadPoolWorkItem
    {
        public const int Lingering = 1, Claimed = 2;

        public JobBase? Target;   // the job of the calling thread's latest parallel call
        public int Queued;        // 1 from queueing until the pool starts it (then the caller may queue it again)
        public int Idle;          // 0, Lingering (spinning after a call), or Claimed (by the call that found it lingering)

        public void Execute()
        {
            Volatile.Write(ref Queued, 0);
            Volatile.Read(ref Target)!.Help();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            Volatile.Write(ref Idle, Lingering);
            while (true)
            {
                if (Volatile.Read(ref Idle) == Claimed)
                {
                    // Only one execution of this helper takes a claim (the pool may run it twice at once: queued again
                    // while a late execution of it still ran).
                    if (Interlocked.CompareExchange(ref Idle, 0, Claimed) == Claimed)
                    {
                        Volatile.Read(ref Target)!.Help();
                        start = System.Diagnostics.Stopwatch.GetTimestamp();
                        Volatile.Write(ref Idle, Lingering);
                    }
                    continue;
                }
                if (System.Diagnostics.Stopwatch.GetTimestamp() - start > Volatile.Read(ref LingerTicks) || PoolHasWaitingWork())
                {
                    // Leave unless a call claimed it at this moment; 0 here means the other execution already left.
                    if (Interlocked.CompareExchange(ref Idle, 0, Lingering) != Claimed) return;
                    continue;
                }
                Thread.SpinWait(8);
            }
        }
    }

    private sealed unsafe class Job<TKernel> : JobBase where TKernel : IKernelUnits<TKernel>
    {
        [ThreadStatic]
        private static Job<TKernel>? t_job;

        /// <summary>longs between two threads' ranges: one 64-byte cache line each, so an owner's claims do not contend with the others'.</summary>
        private const int Stride = 8;

        /// <summary>An owner takes this fraction of what is left of its range per chunk (at least one unit).</summary>
        private const int ChunkDivisor = 4;

        /// <summary>
        /// A thread that has started keeps its last units: fewer than this are not worth stealing, since the thief would
        /// first pack the keys and values of their head (about one to two units of work). A thread that has not started
        /// yet (a parked pool thread takes from a few µs to over 100 µs to wake) loses all of its range.
        /// </summary>
        private const int MinSteal = 4;

        private float* _q, _k, _v, _o;
        private int _qStride, _kvStride;
        private int _perSequence;  // units per sequence; 0: a unit is a whole sequence
        private int _threads;
        private int _joined;       // worker indices handed out
        // The gate a helper passes to work on the current call: Closed once the caller has finished its own loop (no
        // helper enters after it), and the number of helpers inside in the low bits.
        private long _gate = Closed;
        private const long Closed = 1L << 62;
        // Thread t's range [lo, hi) at Stride·t (lo in the low 32 bits, hi in the high), and at Stride·t + 1 whether it has started.
        private long[] _ranges = new long[Stride * 2];

        public static Job<TKernel> ForThisThread() => t_job ??= new Job<TKernel>();

        public void Start(float* q, float* k, float* v, float* o, int perSequence, int units, int qStride, int kvStride, int threads)
        {
            _q = q; _k = k; _v = v; _o = o;
            _qStride = qStride; _kvStride = kvStride;
            _perSequence = perSequence;
            _threads = threads;
            _joined = 0;
            if (_ranges.Length < Stride * threads)
            {
                _ranges = new long[Stride * threads];   // once per calling thread and thread count
            }
            for (int t = 0; t < threads; t++)
            {
                _ranges[Stride * t] = Range((int)((long)units * t / threads), (int)((long)units * (t + 1) / threads));
                _ranges[Stride * t + 1] = 0;
            }
            Volatile.Write(ref _gate, 0);   // open, no helper inside
        }

        /// <summary>Hands the open call to <paramref name="count"/> of the calling thread's helpers.</summary>
        public void QueueHelpers(int count) => KernelParallel.QueueHelpers(this, count);

        /// <summary>A helper run by the pool works on the open call, if there is one and it still needs a thread.</summary>
        public override void Help()
        {
            while (true)
            {
                long gate = Volatile.Read(ref _gate);
                if ((gate & Closed) != 0) return;   // no call open: this helper came too late, and touches nothing
                if (Interlocked.CompareExchange(ref _gate, gate + 1, gate) == gate) break;
            }
            int index = Interlocked.Increment(ref _joined);
            if (index < _threads) Work(index);   // more helpers than threads (one queued for an earlier call) leave at once
            Interlocked.Decrement(ref _gate);
        }

        /// <summary>
        /// Closes the call once the caller's own loop is done (nothing is left to take, or only the last units of started
        /// helpers) and waits for the helpers inside. A helper still in the pool's queue is not waited for: it will find
        /// the call closed and touch nothing (the spans may be unpinned by then), so a saturated pool cannot hold the
        /// caller. The wait spins, then yields the core (never sleeps, never allocates, unlike an event whose first
        /// blocking wait allocates its lock).
        /// </summary>
        public void Finish()
        {
            Interlocked.Or(ref _gate, Closed);
            var spin = new SpinWait();
            while (Volatile.Read(ref _gate) != Closed)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        /// <summary>Thread <paramref name="me"/>'s loop: chunks from its own range, then halves stolen from the others'.</summary>
        public void Work(int me)
        {
            Volatile.Write(ref _ranges[Stride * me + 1], 1);
            int state = -1, stateSequence = -1;   // what this thread has packed, and for which sequence
            while (true)
            {
                if (TakeOwn(me, out int first, out int end) || Steal(me, out first, out end))
                {
                    RunRange(first, end, ref state, ref stateSequence);
                }
                else
                {
                    return;
                }
            }
        }

        private void RunRange(int first, int end, ref int state, ref int stateSequence)
        {
            int per = _perSequence;
            while (first < end)
            {
                int sequence = per == 0 ? first : first / per;
                nint qOffset = (nint)sequence * _qStride, kvOffset = (nint)sequence * _kvStride;
                ref float q = ref Unsafe.AsRef<float>(_q + qOffset), k = ref Unsafe.AsRef<float>(_k + kvOffset), v = ref Unsafe.AsRef<float>(_v + kvOffset);
                ref float o = ref Unsafe.AsRef<float>(_o + qOffset);
                if (per == 0)
                {
                    RunSerial<TKernel>(ref q, ref k, ref v, ref o);
                    first++;
                    continue;
                }
                if (sequence != stateSequence)
                {
                    state = -1;
                    stateSequence = sequence;
                }
                int u0 = first - sequence * per, u1 = Math.Min(per, u0 + (end - first));
                TKernel.RunUnits(ref q, ref k, ref v, ref o, u0, u1, ref state);
                first += u1 - u0;
            }
        }

        private static long Range(int lo, int hi) => (uint)lo | ((long)hi << 32);

        private bool TakeOwn(int me, out int first, out int end)
        {
            ref long slot = ref _ranges[Stride * me];
            while (true)
            {
                long old = Volatile.Read(ref slot);
                int lo = (int)old, hi = (int)(old >> 32);
                if (lo >= hi)
                {
                    first = end = 0;
                    return false;
                }
                int take = Math.Max(1, (hi - lo) / ChunkDivisor);
                if (Interlocked.CompareExchange(ref slot, Range(lo + take, hi), old) == old)
                {
                    first = lo;
                    end = lo + take;
                    return true;
                }
            }
        }

        // The largest steal on offer becomes this thread's range and its first chunk is returned: all of the range of a
        // thread that has not started, the back half (rounded up) of a started thread's range of at least MinSteal units.
        private bool Steal(int me, out int first, out int end)
        {
            while (true)
            {
                int victim = -1, take = 0;
                long seen = 0;
                for (int t = 0; t < _threads; t++)
                {
                    if (t == me) continue;
                    long r = Volatile.Read(ref _ranges[Stride * t]);
                    int left = (int)(r >> 32) - (int)r;
                    int offer = Volatile.Read(ref _ranges[Stride * t + 1]) == 0 ? left : left >= MinSteal ? (left + 1) / 2 : 0;
                    if (offer > take)
                    {
                        victim = t;
                        take = offer;
                        seen = r;
                    }
                }
                if (victim < 0)
                {
                    first = end = 0;
                    return false;
                }
                int lo = (int)seen, hi = (int)(seen >> 32);
                if (Interlocked.CompareExchange(ref _ranges[Stride * victim], Range(lo, hi - take), seen) == seen)
                {
                    // Own range is empty, and no other thread writes an empty range: the stolen half is ours to hand out.
                    Volatile.Write(ref _ranges[Stride * me], Range(hi - take, hi));
                    if (TakeOwn(me, out first, out end))
                    {
                        return true;
                    }
                    // Another thread stole all of it first: look again.
                }
            }
        }

    }
}
