using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// Kernels are static and use a per-thread scratch buffer (runtime/KernelScratch.cs). 8 threads call the
/// same and different kernels (small and large, so scratch buffers grow mid-run) at once for a bounded
/// time; every result must be bit-identical to the serial result, and no call may throw.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(1.5);

    private readonly ITestOutputHelper _output;

    public ConcurrencyTests(ITestOutputHelper output) => _output = output;

    private sealed class Case
    {
        public Case(string name, int length, Action<float[], float[], float[], float[]> attend, Action<float[], float[]> selfAttend,
            Action<float[], float[], float[], float[], int> parallelAttend, int seed)
        {
            Name = name;
            Attend = attend;
            SelfAttend = selfAttend;
            ParallelAttend = parallelAttend;
            Q = TestData.Gaussian(seed, length);
            K = TestData.Gaussian(seed + 1, length);
            V = TestData.Gaussian(seed + 2, length);
            Expected = new float[length];
            ExpectedSelf = new float[length];
            attend(Q, K, V, Expected);
            selfAttend(Q, ExpectedSelf);
        }

        public string Name { get; }
        public Action<float[], float[], float[], float[]> Attend { get; }
        public Action<float[], float[]> SelfAttend { get; }
        /// <summary>Attend with maxDegreeOfParallelism: must give the serial result bit for bit.</summary>
        public Action<float[], float[], float[], float[], int> ParallelAttend { get; }
        public float[] Q { get; }
        public float[] K { get; }
        public float[] V { get; }
        public float[] Expected { get; }
        public float[] ExpectedSelf { get; }
    }

    private static Case Of<T>(int seed) where T : ISelfAttentionKernel<T> =>
        new(typeof(T).Name, T.SeqLen * T.Dim, (q, k, v, o) => T.Attend(q, k, v, o), (x, o) => T.SelfAttend(x, o),
            (q, k, v, o, degree) => T.Attend(q, k, v, o, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = degree }), seed);

    [Fact]
    public void ConcurrentCallsGiveTheSerialResultBitForBit()
    {
        // Serial results first (on this thread). Large and small kernels, causal and not.
        Case[] cases =
        {
            Of<Odd37>(301), Of<OddCausal37>(302), Of<Decoder64>(303), Of<Sentence6>(304), Of<Single1>(305),
            Of<GlobalNamespace9>(306), Of<Outer.Nested16>(307), Of<EdgeCausal33>(308), Of<EdgeH3D16>(309), Of<Encoder128>(310),
            Of<Parallel130>(311), Of<ParallelCausal257>(312),   // large enough for the parallel overload to split
        };

        var errors = new List<string>();
        long[] calls = new long[Threads];
        var clock = new Stopwatch();
        using var start = new Barrier(Threads, _ => clock.Restart());   // the clock starts when every thread is ready
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                var rng = new Random(1000 + t);
                var outputs = cases.ToDictionary(c => c.Name, c => new float[c.Expected.Length]);
                start.SignalAndWait();
                // Even threads each repeat one kernel (Odd37 on two threads at once), odd threads mix all of them;
                // a third of the calls use the parallel overload (thread-pool parts next to these threads).
                while (clock.Elapsed < Duration || calls[t] < 3)
                {
                    Case c = t % 2 == 0 ? cases[(t / 2) % 3] : cases[rng.Next(cases.Length)];
                    float[] o = outputs[c.Name];
                    int mode = rng.Next(6);   // 0: SelfAttend, 1-2: Attend with maxDegreeOfParallelism 2-4, else Attend
                    bool self = mode == 0;
                    Array.Fill(o, float.NaN);
                    if (self) c.SelfAttend(c.Q, o);
                    else if (mode <= 2) c.ParallelAttend(c.Q, c.K, c.V, o, 2 + rng.Next(3));
                    else c.Attend(c.Q, c.K, c.V, o);
                    calls[t]++;
                    float[] expected = self ? c.ExpectedSelf : c.Expected;
                    if (!o.AsSpan().SequenceEqual(expected))
                    {
                        int i = Enumerable.Range(0, o.Length).First(i => BitConverter.SingleToInt32Bits(o[i]) != BitConverter.SingleToInt32Bits(expected[i]));
                        lock (errors) errors.Add($"thread {t}, call {calls[t]}: {c.Name}.{(self ? "SelfAttend" : "Attend")} output[{i}] = {o[i]:R}, serial {expected[i]:R}");
                    }
                }
            }
            catch (Exception e)
            {
                lock (errors) errors.Add($"thread {t} threw {e}");
            }
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => Assert.True(th.Join(TimeSpan.FromMinutes(2)), "a worker thread did not finish in 2 minutes"));

        _output.WriteLine($"[{TestData.ActivePath}] {Threads} threads, {clock.Elapsed.TotalSeconds:F2} s: {calls.Sum()} calls ({string.Join(", ", calls)}), {errors.Count} mismatches/exceptions");
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(20)));
        Assert.All(calls, n => Assert.True(n >= 3, $"a thread made only {n} calls"));
    }
}
