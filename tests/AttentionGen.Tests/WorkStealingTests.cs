using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AttentionGen.Runtime;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

// Kernels for the unit split: rows-as-lanes kernels (a unit is a group of rows that both of their paths split on), one causal (its values are scanned once per
// thread: state −2 or −3), and grouped-query heads (a group's packed keys are reused across a thread's chunks).
[Attention(32, 64, 16, Causal = true)]
public partial struct StealLanesCausal { }

[Attention(24, 48, 12)]
public partial struct StealLanes { }

// One head, 300 query rows and 20 keys: the rows-as-lanes units are groups of rows, each transposed by its own chunk.
[Attention(300, 8, 1, KeyLen = 20)]
public partial struct StealLanesRows { }

[Attention(70, 96, 6, KvHeads = 2)]
public partial struct StealGrouped { }

[Attention(91, 120, 5, Causal = true, Window = 20)]
public partial struct StealWindowed { }

// A decoding step: one query row, 4 query heads per key/value head; a unit is a key/value head's group of query heads.
[Attention(1, 256, 8, KeyLen = 300, KvHeads = 2, Causal = true, CausalAlignment = CausalAlignment.BottomRight)]
public partial struct StealDecodeGroups { }

/// <summary>
/// KernelParallel's work split: every unit of every sequence runs exactly once whatever the threads and their timing,
/// a thread's state starts at −1 for each sequence and is kept between its chunks, and generated kernels give the serial
/// bits with more threads than cores (forced through <see cref="KernelParallel.Run{TKernel}"/>, which takes the thread
/// count as given).
/// </summary>
public sealed class WorkStealingTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(1, 3)]
    [InlineData(1, 7)]
    [InlineData(2, 2)]
    [InlineData(3, 5)]
    [InlineData(5, 2)]
    [InlineData(40, 2)]   // ≥ 16 sequences per thread: whole sequences are the units
    [InlineData(1, 40)]   // more threads than units
    public void EveryUnitRunsOnceAndStateFollowsTheThread(int batch, int threads)
    {
        for (int round = 0; round < 20; round++)
        {
            RecordingKernel.Reset(batch, seed: round);
            float[] buffer = new float[batch * RecordingKernel.FloatsPerSequence];
            RecordingKernel.Base = buffer;
            KernelParallel.RunBatch<RecordingKernel>(buffer, buffer, buffer, buffer, batch, RecordingKernel.FloatsPerSequence, RecordingKernel.FloatsPerSequence, threads);
            for (int i = 0; i < RecordingKernel.Counts.Length; i++)
            {
                Assert.True(RecordingKernel.Counts[i] == 1, $"batch {batch}, {threads} threads, round {round}: unit {i % RecordingKernel.Units} of sequence {i / RecordingKernel.Units} ran {RecordingKernel.Counts[i]} times");
            }
            Assert.True(RecordingKernel.Errors.IsEmpty, string.Join("; ", RecordingKernel.Errors));
        }
    }

    [Fact]
    public void LateThreadsLeaveTheirUnitsToTheOthers()
    {
        // Every thread but the caller sleeps in its first chunk: the caller must steal the rest of their ranges (its own is
        // about a quarter of the units), and the call must still cover every unit once.
        RecordingKernel.Reset(1, seed: 7);
        RecordingKernel.SleepFirstMs = 30;
        RecordingKernel.Caller = Environment.CurrentManagedThreadId;
        float[] buffer = new float[RecordingKernel.FloatsPerSequence];
        RecordingKernel.Base = buffer;
        KernelParallel.Run<RecordingKernel>(buffer, buffer, buffer, buffer, 4);
        Assert.All(RecordingKernel.Counts, c => Assert.Equal(1, c));
        Assert.True(RecordingKernel.Errors.IsEmpty, string.Join("; ", RecordingKernel.Errors));
        RecordingKernel.UnitsByThread.TryGetValue(RecordingKernel.Caller, out int byCaller);
        Assert.True(byCaller > RecordingKernel.Units / 2, $"the caller ran {byCaller} of {RecordingKernel.Units} units while the other threads slept");
    }

    private static void AssertForcedThreadsMatchSerial<T>(int seed, bool infinity = false) where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim, kv = T.KeyLen * T.KvHeads * T.HeadDim;
        float[] q = TestData.Gaussian(seed, n), k = TestData.Gaussian(seed + 1, kv), v = TestData.Gaussian(seed + 2, kv);
        if (infinity) v[kv / 2 + 1] = float.PositiveInfinity;   // banded rows-as-lanes kernels then take the row blocks
        float[] serial = new float[n];
        T.Attend(q, k, v, serial);
        foreach (int threads in new[] { 2, 3, 5, 9 })
        {
            for (int round = 0; round < 3; round++)
            {
                float[] parallel = new float[n];
                KernelParallel.Run<T>(q, k, v, parallel, threads);
                Assert.True(serial.AsSpan().SequenceEqual(parallel), $"{typeof(T).Name} on {threads} threads (round {round}) differs from the serial result");
            }
        }
    }

    [Fact] public void DenseHeadsOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<Encoder128>(501);
    [Fact] public void CausalRowBlocksOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<ParallelCausal257>(502);
    [Fact] public void TailBlocksOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<Parallel130>(503);
    [Fact] public void GroupedHeadsOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealGrouped>(504);
    [Fact] public void WindowedOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealWindowed>(505);
    [Fact] public void DecodeGroupsOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealDecodeGroups>(514);
    [Fact] public void LanesOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealLanes>(506);
    [Fact] public void LaneRowGroupsOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealLanesRows>(513);
    [Fact] public void CausalLanesOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealLanesCausal>(507);
    [Fact] public void CausalLanesWithInfiniteValueOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<StealLanesCausal>(508, infinity: true);
    [Fact] public void CausalRowBlocksWithInfiniteValueOnForcedThreadsMatchSerial() => AssertForcedThreadsMatchSerial<ParallelCausal257>(509, infinity: true);

    [Fact]
    public void ForcedThreadsResultMatchesReference()
    {
        // The split kernels are also right, not only equal to themselves: the reference with the kernel's bound.
        int n = StealGrouped.SeqLen * StealGrouped.Dim, kv = StealGrouped.KeyLen * StealGrouped.KvHeads * StealGrouped.HeadDim;
        float[] q = TestData.Gaussian(510, n), k = TestData.Gaussian(511, kv), v = TestData.Gaussian(512, kv);
        float[] o = new float[n];
        KernelParallel.Run<StealGrouped>(q, k, v, o, 3);
        double[] reference = new double[n];
        AttentionReference.Attend(StealGrouped.Problem, q, k, v, reference);
        double error = TestData.MaxError(o, reference);
        double bound = TestData.ProblemBound(StealGrouped.Problem, q, k);
        Assert.True(error <= bound, $"max |error| {error:E3} exceeds {bound:E3}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(40)]
    public void BatchesOnForcedThreadsMatchSerial(int batch)
    {
        int n = Parallel130.SeqLen * Parallel130.Dim;
        float[] x = TestData.Gaussian(520 + batch, batch * n);
        float[] serial = new float[x.Length], parallel = new float[x.Length];
        Parallel130.SelfAttendBatch(x, serial, batch);
        KernelParallel.RunBatch<Parallel130>(x, x, x, parallel, batch, n, n, 3);
        Assert.True(serial.AsSpan().SequenceEqual(parallel), $"a batch of {batch} on 3 threads differs from the serial batch");
    }

    /// <summary>
    /// A kernel that only records what the scheduler asks of it: how often each unit runs, and whether the state a thread
    /// passes is −1 at the start of each of its sequences and what it set last otherwise. Random short spins vary the
    /// timing so threads steal from each other.
    /// </summary>
    internal struct RecordingKernel : IAttentionKernel<RecordingKernel>
    {
        public const int Units = 37;
        public const int FloatsPerSequence = 8;
        public static int[] Counts = Array.Empty<int>();
        public static float[] Base = Array.Empty<float>();
        public static ConcurrentQueue<string> Errors = new();
        public static ConcurrentDictionary<int, int> UnitsByThread = new();
        public static int SleepFirstMs, Caller;
        public static Action? OnFirstChunk;   // run once, inside the first chunk of the next call
        private static int s_seed;
        [ThreadStatic] private static int t_sequence;
        [ThreadStatic] private static int t_lastState;
        [ThreadStatic] private static Random? t_random;
        [ThreadStatic] private static int t_depth;

        public static void Reset(int batch, int seed)
        {
            Counts = new int[batch * Units];
            Errors = new ConcurrentQueue<string>();
            UnitsByThread = new ConcurrentDictionary<int, int>();
            OnFirstChunk = null;
            SleepFirstMs = 0;
            Caller = -1;
            s_seed = seed;
        }

        public static int SeqLen => 1;
        public static int KeyLen => 1;
        public static int KvHeads => 1;
        public static AttentionProblem Problem => throw new NotSupportedException();
        public static int Dim => FloatsPerSequence;
        public static int Heads => 1;
        public static int HeadDim => FloatsPerSequence;
        public static bool Causal => false;
        public static float Scale => 1f;
        public static int WorkUnits => Units;
        public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) => throw new NotSupportedException();
        public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, ParallelOptions parallel) => throw new NotSupportedException();

        public static void RunUnits(ref float q, ref float k, ref float v, ref float output, int first, int end, ref int state)
        {
            int sequence = (int)(Unsafe.ByteOffset(ref Base[0], ref q) / (sizeof(float) * FloatsPerSequence));
            int thread = Environment.CurrentManagedThreadId;
            bool firstChunk = !UnitsByThread.ContainsKey(thread);
            if (t_depth++ > 0) Errors.Enqueue($"units [{first}, {end}) of sequence {sequence} run inside another chunk on thread {thread}");
            try
            {
                Interlocked.Exchange(ref OnFirstChunk, null)?.Invoke();
            }
            finally
            {
                t_depth--;
            }
            UnitsByThread.AddOrUpdate(thread, end - first, (_, n) => n + end - first);
            if (SleepFirstMs > 0 && thread != Caller && firstChunk) Thread.Sleep(SleepFirstMs);
            if (first < 0 || end > Units || first >= end) Errors.Enqueue($"units [{first}, {end}) of sequence {sequence}");
            // The state: −1 when this thread starts a sequence, else the token it set on its previous chunk of it.
            bool fresh = state == -1;
            if (!fresh && (t_sequence != sequence || state != t_lastState)) Errors.Enqueue($"thread {thread} got state {state} for sequence {sequence} (it left {t_lastState} for sequence {t_sequence})");
            for (int u = Math.Max(first, 0); u < Math.Min(end, Units); u++) Interlocked.Increment(ref Counts[sequence * Units + u]);
            t_random ??= new Random(s_seed * 31 + thread);
            Thread.SpinWait(t_random.Next(50, 2000));
            state = t_lastState = sequence * 1000 + first + 1;
            t_sequence = sequence;
        }
    }
}

[CollectionDefinition(nameof(QueueSeam), DisableParallelization = true)]
public sealed class QueueSeam { }

/// <summary>
/// Helpers the thread pool has not run yet (a saturated pool): the caller does all the work and returns without waiting
/// for them; a helper that runs after its call touches nothing, and one that runs during a later call of the same
/// thread helps that call.
/// Replaces <see cref="KernelParallel.Queue"/>, so this collection runs alone.
/// </summary>
[Collection(nameof(QueueSeam))]
public sealed class HeldBackHelperTests
{
    // On a thread of its own with a time limit: if the caller waited for a held-back helper, it would never return.
    private static System.Collections.Generic.List<IThreadPoolWorkItem> HoldBack(Action call)
    {
        var task = Task.Factory.StartNew(() => HoldBackOnThisThread(call), TaskCreationOptions.LongRunning);
        Assert.True(task.Wait(TimeSpan.FromSeconds(60)), "the call waited for a helper the pool never ran");
        return task.Result;
    }

    [Fact]
    public void CallerDoesAllTheWorkWhenNoHelperRuns()
    {
        int n = Encoder128.SeqLen * Encoder128.Dim;
        float[] x = TestData.Gaussian(530, n);
        float[] serial = new float[n], parallel = new float[n];
        Encoder128.SelfAttend(x, serial);
        var held = HoldBack(() => KernelParallel.Run<Encoder128>(x, x, x, parallel, 4));
        Assert.Equal(Math.Min(4, Units<Encoder128>()) - 1, held.Count);   // 0 on the scalar path: one unit, no helper
        Assert.True(serial.AsSpan().SequenceEqual(parallel), "the caller alone differs from the serial result");
        // The helpers run late, after their call returned: they must not write anything.
        Array.Fill(parallel, 7f);
        foreach (IThreadPoolWorkItem helper in held) helper.Execute();
        Assert.All(parallel, value => Assert.Equal(7f, value));
    }

    [Fact]
    public void HelperQueuedForAnEarlierCallHelpsALaterOne()
    {
        WorkStealingTests.RecordingKernel.Reset(1, seed: 11);
        float[] buffer = new float[WorkStealingTests.RecordingKernel.FloatsPerSequence];
        WorkStealingTests.RecordingKernel.Base = buffer;
        // Call 1 has its helper held back (the caller does everything). Call 2 on the same thread (the same pooled job)
        // does not queue that helper again, since the pool still holds it; the pool runs it during call 2, on another
        // thread: it joins call 2 and takes a share of its units.
        System.Collections.Generic.List<IThreadPoolWorkItem>? held = null;
        Exception? failure = null;
        int helperThread = -1;
        var thread = new Thread(() =>
        {
            try
            {
                held = HoldBackOnThisThread(() => KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2));
                Assert.All(WorkStealingTests.RecordingKernel.Counts, c => Assert.Equal(1, c));
                Assert.Single(WorkStealingTests.RecordingKernel.UnitsByThread);
                WorkStealingTests.RecordingKernel.Reset(1, seed: 12);
                WorkStealingTests.RecordingKernel.OnFirstChunk = () =>
                {
                    var pool = new Thread(() => { helperThread = Environment.CurrentManagedThreadId; held![0].Execute(); });
                    pool.Start();
                    Assert.True(pool.Join(TimeSpan.FromSeconds(60)), "the late helper did not finish");
                };
                var again = HoldBackOnThisThread(() => KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2));
                Assert.Empty(again);   // the held-back helper was not queued a second time
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a call waited for a helper that never ran");
        Assert.Null(failure);
        Assert.Single(held!);
        Assert.All(WorkStealingTests.RecordingKernel.Counts, c => Assert.Equal(1, c));
        Assert.True(WorkStealingTests.RecordingKernel.Errors.IsEmpty, string.Join("; ", WorkStealingTests.RecordingKernel.Errors));
        Assert.True(WorkStealingTests.RecordingKernel.UnitsByThread.TryGetValue(helperThread, out int byHelper) && byHelper > 0,
            "the helper queued for call 1 did no work in call 2");
    }

    [Fact]
    public void LingeringHelperJoinsTheNextCallWithoutBeingQueued() => LingeringHelperJoins(otherWork: false);

    // The helpers belong to the calling thread, not to one kernel: a parallel Forward's projections and attention (three
    // work types) follow each other, and the helper lingering after one must join the next.
    [Fact]
    public void LingeringHelperJoinsTheNextCallOfAnotherWorkType() => LingeringHelperJoins(otherWork: true);

    private static void LingeringHelperJoins(bool otherWork)
    {
        // Call 1 queues its helper (here: a thread of its own). After the call the helper lingers (made long enough that
        // timing cannot end it); call 2 of the same thread must claim it instead of queueing a work item, and it must take
        // a share of call 2's units: the caller's first chunk waits until another thread has run units.
        WithLingeringHelpers(() => false, (queued, helpers) =>   // other test classes' work in the pool must not end the linger
        {
            float[] buffer = new float[WorkStealingTests.RecordingKernel.FloatsPerSequence];
            WorkStealingTests.RecordingKernel.Base = buffer;
            WorkStealingTests.RecordingKernel.Reset(1, seed: 21);
            KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2);
            Assert.Equal(1, queued());
            Assert.All(WorkStealingTests.RecordingKernel.Counts, c => Assert.Equal(1, c));

            WorkStealingTests.RecordingKernel.Reset(1, seed: 22);
            int me = Environment.CurrentManagedThreadId;
            WorkStealingTests.RecordingKernel.OnFirstChunk = () =>
            {
                if (Environment.CurrentManagedThreadId != me) return;   // the helper came first: it has a chunk already
                Assert.True(SpinWait.SpinUntil(() => WorkStealingTests.RecordingKernel.UnitsByThread.Keys.Any(t => t != me), TimeSpan.FromSeconds(30)),
                    "no other thread ran a unit of call 2: the lingering helper did not join");
            };
            if (otherWork) KernelParallel.Run<OtherWork>(buffer, buffer, buffer, buffer, 2);
            else KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2);
            Assert.Equal(1, queued());   // claimed, not queued again
            Assert.All(WorkStealingTests.RecordingKernel.Counts, c => Assert.Equal(1, c));
            Assert.True(WorkStealingTests.RecordingKernel.Errors.IsEmpty, string.Join("; ", WorkStealingTests.RecordingKernel.Errors));
            int helperThread = helpers().Single().ManagedThreadId;
            Assert.True(WorkStealingTests.RecordingKernel.UnitsByThread.TryGetValue(helperThread, out int byHelper) && byHelper > 0,
                "the helper of call 1 ran no unit of call 2");
        });
    }

    [Fact]
    public void LingeringHelperLeavesWhenThePoolHasWaitingWork()
    {
        // A linger that timing cannot end; the helper (a thread of its own here) must still leave once the pool reports
        // waiting work, and the next call must then queue a helper again instead of claiming one.
        int waiting = 0;
        WithLingeringHelpers(() => Volatile.Read(ref waiting) != 0, (queued, helpers) =>
        {
            float[] buffer = new float[WorkStealingTests.RecordingKernel.FloatsPerSequence];
            WorkStealingTests.RecordingKernel.Base = buffer;
            WorkStealingTests.RecordingKernel.Reset(1, seed: 31);
            KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2);
            Assert.Equal(1, queued());
            Thread first = helpers().Single();
            Assert.False(first.Join(TimeSpan.FromMilliseconds(200)), "the helper left although its linger had not ended and the pool had no waiting work");
            Volatile.Write(ref waiting, 1);
            Assert.True(first.Join(TimeSpan.FromSeconds(30)), "the lingering helper kept its thread while the pool had waiting work");
            Volatile.Write(ref waiting, 0);
            WorkStealingTests.RecordingKernel.Reset(1, seed: 32);
            KernelParallel.Run<WorkStealingTests.RecordingKernel>(buffer, buffer, buffer, buffer, 2);
            Assert.Equal(2, queued());   // nothing lingering to claim: queued anew
            Assert.All(WorkStealingTests.RecordingKernel.Counts, c => Assert.Equal(1, c));
        });
    }

    /// <summary>
    /// Runs <paramref name="calls"/> on a thread of its own while every queued helper starts on a new thread (counted:
    /// the first argument; the threads: the second) and lingers until <paramref name="poolHasWaitingWork"/> says
    /// otherwise (timing cannot end it). Afterwards the linger is ended and every helper must leave.
    /// </summary>
    private static void WithLingeringHelpers(Func<bool> poolHasWaitingWork, Action<Func<int>, Func<Thread[]>> calls)
    {
        var helpers = new System.Collections.Generic.List<Thread>();
        int queued = 0;
        Action<IThreadPoolWorkItem> queue = KernelParallel.Queue;
        Func<bool> poolHasWork = KernelParallel.PoolHasWaitingWork;
        long linger = KernelParallel.LingerTicks;
        Exception? failure = null;
        try
        {
            KernelParallel.LingerTicks = long.MaxValue / 2;
            KernelParallel.PoolHasWaitingWork = poolHasWaitingWork;
            KernelParallel.Queue = item =>
            {
                Interlocked.Increment(ref queued);
                var helper = new Thread(item.Execute) { IsBackground = true };
                lock (helpers) helpers.Add(helper);
                helper.Start();
            };
            var caller = new Thread(() =>
            {
                try
                {
                    calls(() => Volatile.Read(ref queued), () => { lock (helpers) return helpers.ToArray(); });
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            caller.Start();
            Assert.True(caller.Join(TimeSpan.FromSeconds(90)), "the calls did not finish");
        }
        finally
        {
            KernelParallel.LingerTicks = 0;   // ends the linger: the helpers leave their loops
            KernelParallel.Queue = queue;
            lock (helpers)
            {
                foreach (Thread helper in helpers) Assert.True(helper.Join(TimeSpan.FromSeconds(30)), "a helper kept lingering after LingerTicks = 0");
            }
            KernelParallel.PoolHasWaitingWork = poolHasWork;
            KernelParallel.LingerTicks = linger;
        }
        Assert.Null(failure);
    }

    [Fact]
    public void ParallelForwardRunsAloneWhenNoHelperRuns()
    {
        // A saturated pool never runs the helpers of the five phases: the caller computes the whole layer, returns without
        // waiting for them, and the helpers that run afterwards touch nothing.
        const int n = Proj_H12_S128_D768.SeqLen * Proj_H12_S128_D768.Dim;
        float[] x = TestData.Gaussian(550, n), serial = new float[n], parallel = new float[n];
        AttentionWeights w = ProjectionTests.RandomWeights(551, 768, 768);
        Proj_H12_S128_D768.Forward(x, w, serial);
        var held = HoldBack(() => Proj_H12_S128_D768.Forward(x, w, parallel, new ParallelOptions { MaxDegreeOfParallelism = 2 }));
        Assert.NotEmpty(held);
        Assert.True(serial.AsSpan().SequenceEqual(parallel), "the caller alone differs from the serial layer");
        Array.Fill(parallel, 7f);
        foreach (IThreadPoolWorkItem helper in held) helper.Execute();
        Assert.All(parallel, value => Assert.Equal(7f, value));
    }

    [Fact]
    public void ParallelForwardHandsItsPhasesToHelpers()
    {
        // Each projection (≥ 8 MFLOP) and, on the vector paths, the attention are shared with a helper. LingerTicks = 0:
        // a helper leaves right after its phase, so a later phase queues it again unless the pool has not started it yet.
        // On a fresh thread (fresh helpers) the first phase must queue one; five phases queue at most five.
        const int n = Proj_H12_S128_D768.SeqLen * Proj_H12_S128_D768.Dim;
        float[] x = TestData.Gaussian(540, n), serial = new float[n], parallel = new float[n];
        AttentionWeights w = ProjectionTests.RandomWeights(541, 768, 768);
        Proj_H12_S128_D768.Forward(x, w, serial);
        int queued = 0;
        Action<IThreadPoolWorkItem> queue = KernelParallel.Queue;
        long linger = KernelParallel.LingerTicks;
        try
        {
            KernelParallel.LingerTicks = 0;
            KernelParallel.Queue = item => { Interlocked.Increment(ref queued); queue(item); };
            var caller = new Thread(() => Proj_H12_S128_D768.Forward(x, w, parallel, new ParallelOptions { MaxDegreeOfParallelism = 2 }));
            caller.Start();
            Assert.True(caller.Join(TimeSpan.FromSeconds(60)), "the parallel Forward did not return");
        }
        finally
        {
            KernelParallel.Queue = queue;
            KernelParallel.LingerTicks = linger;
        }
        Assert.InRange(queued, 1, 5);
        Assert.True(serial.AsSpan().SequenceEqual(parallel), "the parallel layer differs from the serial one");
    }

    private static int Units<T>() where T : IAttentionKernel<T> => T.WorkUnits;

    /// <summary>Work of another type than <see cref="WorkStealingTests.RecordingKernel"/> (so another job), recorded the same way.</summary>
    private struct OtherWork : IKernelUnits<OtherWork>
    {
        public static int WorkUnits => WorkStealingTests.RecordingKernel.Units;

        public static void RunUnits(ref float q, ref float k, ref float v, ref float output, int first, int end, ref int state) =>
            WorkStealingTests.RecordingKernel.RunUnits(ref q, ref k, ref v, ref output, first, end, ref state);
    }

    private static System.Collections.Generic.List<IThreadPoolWorkItem> HoldBackOnThisThread(Action call)
    {
        var held = new System.Collections.Generic.List<IThreadPoolWorkItem>();
        Action<IThreadPoolWorkItem> queue = KernelParallel.Queue;
        KernelParallel.Queue = item => { lock (held) held.Add(item); };
        try
        {
            call();
        }
        finally
        {
            KernelParallel.Queue = queue;
        }
        return held;
    }
}
