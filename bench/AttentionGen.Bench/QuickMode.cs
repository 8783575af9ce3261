using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;

namespace AttentionGen.Bench;

/// <summary>
/// A fast side-by-side timing for tuning (not a substitute for the BenchmarkDotNet run): for each shape,
/// the listed peers are timed in interleaved rounds; each sample is ≥ 20 ms of calls; the median of 7 is shown
/// with the ratio best-ORT / Generated. `dotnet run -c Release -- --quick [peer,peer,...]`.
/// Time is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other processes on this
/// shared 2-core machine do not inflate it (all peers here run single-threaded on the caller's thread).
/// </summary>
public static partial class QuickMode
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    // ATTENTIONGEN_WALL=1 switches to wall-clock time (needed for multi-threaded peers).
    private static readonly bool s_wall = Environment.GetEnvironmentVariable("ATTENTIONGEN_WALL") == "1";
    private static readonly System.Diagnostics.Stopwatch s_clock = System.Diagnostics.Stopwatch.StartNew();

    // ATTENTIONGEN_GAP_US=n: isolated calls, n µs of busy work on the calling thread before each (wall-clock time per call).
    private static readonly double s_gapUs = double.TryParse(Environment.GetEnvironmentVariable("ATTENTIONGEN_GAP_US"), System.Globalization.CultureInfo.InvariantCulture, out double gap) ? gap : 0;

    private static double ThreadCpuMs()
    {
        if (s_wall) return s_clock.Elapsed.TotalMilliseconds;
        ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out TimeSpec t);
        return t.Seconds * 1e3 + t.Nanoseconds / 1e6;
    }

    public static int Run(string[] args)
    {
        string[] peers = args.Length > 1 ? args[1].Split(',') : ["Generated", "RuntimeTiled", "OrtAttention1T", "OrtMha1T"];
        string? onlyShapes = Environment.GetEnvironmentVariable("ATTENTIONGEN_SHAPES");
        string? onlyCausal = Environment.GetEnvironmentVariable("ATTENTIONGEN_CAUSAL");
        var shapes = string.IsNullOrWhiteSpace(onlyShapes) ? Shapes.All : onlyShapes.Split(',').Select(Shapes.Get).ToArray();
        bool[] causals = string.IsNullOrWhiteSpace(onlyCausal) ? [false, true] : [bool.Parse(onlyCausal)];
        Console.WriteLine($"{"shape",-14} {"causal",-6} " + string.Join(" ", peers.Select(p => $"{p,16}")) + "   ORT/ours  GF/s(ours)");
        foreach (Shape shape in shapes)
        {
            foreach (bool causal in causals)
            {
                var inputs = new AttentionInputs(shape);
                var output = new float[shape.Elements];
                var built = new List<IAttentionPeer?>();
                foreach (string name in peers)
                {
                    try { built.Add(PeerFactory.Create(name, shape, causal)); }
                    catch (Exception) { built.Add(null); }
                }
                var samples = built.Select(_ => new List<double>()).ToArray();
                // Warm-up: tiered compilation runs new code at tier 0 (≈ 10× slower for SIMD kernels) until ~100 ms
                // without new tier-0 compiles have passed and 30 calls were counted, then compiles tier 1 in the
                // background. A 20 ms warm-up let some samples run tier-0 code (H4-S64-d32 measured 17, 22 or 166 µs
                // from one process to the next); 1 s of calls and a pause for the background compiles do not.
                foreach (IAttentionPeer? peer in built)
                {
                    if (peer is null) continue;
                    var warm = System.Diagnostics.Stopwatch.StartNew();
                    while (warm.ElapsedMilliseconds < 1000) Sample(peer, inputs, output);
                }
                System.Threading.Thread.Sleep(300);
                for (int round = 0; round < 8; round++)
                {
                    for (int p = 0; p < built.Count; p++)
                    {
                        IAttentionPeer? peer = built[p];
                        if (peer is null) continue;
                        double us = Sample(peer, inputs, output);
                        if (round > 0) samples[p].Add(us);   // round 0 is warm-up
                    }
                }
                double[] medians = samples.Select(s => s.Count == 0 ? double.NaN : s.OrderBy(x => x).ElementAt(s.Count / 2)).ToArray();
                double ours = medians[Array.IndexOf(peers, "Generated")];
                double ort = peers.Select((n, i) => n.StartsWith("Ort", StringComparison.Ordinal) && n.EndsWith("1T", StringComparison.Ordinal) ? medians[i] : double.NaN).Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Min();
                Console.WriteLine($"{shape.Name,-14} {(causal ? "yes" : "no"),-6} " + string.Join(" ", medians.Select(m => $"{m,16:F2}")) + $"   {ort / ours,7:F2}×  {shape.Flops / ours / 1e3,8:F1}");
                foreach (var b in built) b?.Dispose();
            }
        }
        return 0;
    }

    private static double Sample(IAttentionPeer peer, AttentionInputs inputs, float[] output)
    {
        // ORT is timed on its bound buffers only (no copies), as in the BenchmarkDotNet run.
        Action call = peer is Peers.OrtPeer ort ? ort.RunBound : () => peer.Run(inputs.Q, inputs.K, inputs.V, output);
        if (peer is Peers.OrtPeer first) first.Run(inputs.Q, inputs.K, inputs.V, output);
        if (s_gapUs > 0)
        {
            // Isolated calls: the calling thread stays busy for the gap between calls (other work of an application), so a
            // pool thread that helped the previous call has parked; each call is timed alone, the median of 201 is returned.
            var times = new double[201];
            for (int i = 0; i < times.Length; i++)
            {
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(s_gapUs * System.Diagnostics.Stopwatch.Frequency / 1e6);
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until) { }
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                call();
                times[i] = (System.Diagnostics.Stopwatch.GetTimestamp() - t0) * 1e6 / System.Diagnostics.Stopwatch.Frequency;
            }
            Array.Sort(times);
            return times[times.Length / 2];
        }
        int reps = 1;
        while (true)
        {
            double start = ThreadCpuMs();
            for (int i = 0; i < reps; i++) call();
            double ms = ThreadCpuMs() - start;
            if (ms >= 20) return ms * 1000 / reps;
            reps *= 2;
        }
    }
}
