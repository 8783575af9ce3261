using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using AttentionGen;

// Calls each kernel once and prints its first call's JIT time (JitInfo.GetCompilationTime, this thread) and wall-clock
// time (JIT included), then the wall-clock time of a second call for comparison. The parent test (JitBudgetTests) reads
// the JIT's own summary of every compiled method; this program only has to make the JIT compile them.
if (args.Length == 2 && args[0] == "--methods")
{
    // `--methods <kernel type>`: compile each method of the kernel's Vector512/Vector256 path (generic micro-kernels for
    // KernelKeys.All) one at a time and print the JIT time of each: which methods a first call pays for.
    return JitPerMethod(args[1]);
}
Probe<P_H1_S16_D64>();
Probe<P_H8_S32_D8>();
Probe<P_H4_S64_D32>();
Probe<P_H12_S128_D64>();
Probe<P_H8_S512_D64>();
Probe<P_H1_S2048_D64>();
Probe<P_H12_S128_D64_Causal>();
Probe<P_H1_S2048_D64_Causal>();
Probe<P_H4_S256_D128>();
Probe<P_H2_S64_D1024>();
Probe<P_H3_S37_D17_Causal>();
Probe<P_H8_Kv2_S512_D128_CausalWindow_Softcap>();
Probe<P_H4_S100_K300_D24_WindowBottomRight>();
Probe<P_H8_S2_K512_D64>();
ProbeForward();
return 0;

// The layer (Projections = true): Forward compiles the projection tiles of the path this process takes.
static void ProbeForward()
{
    const int d = P_H12_S128_D64_Proj.Dim;
    float[] w = new float[d * d];
    for (int i = 0; i < w.Length; i++) w[i] = (i % 5 - 2) * 0.01f;
    var weights = new AttentionWeights(d, w, w, w, w);
    float[] x = new float[P_H12_S128_D64_Proj.SeqLen * d];
    float[] o = new float[x.Length];
    for (int i = 0; i < x.Length; i++) x[i] = (i % 7) * 0.1f;
    TimeSpan before = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
    long start = Stopwatch.GetTimestamp();
    P_H12_S128_D64_Proj.Forward(x, weights, o);
    TimeSpan wall = Stopwatch.GetElapsedTime(start);
    TimeSpan jit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - before;
    start = Stopwatch.GetTimestamp();
    P_H12_S128_D64_Proj.Forward(x, weights, o);
    TimeSpan second = Stopwatch.GetElapsedTime(start);
    Report(nameof(P_H12_S128_D64_Proj) + ".Forward", jit, wall, second);
}

static void Probe<T>() where T : IAttentionKernel<T>
{
    float[] x = new float[T.SeqLen * T.Dim];
    float[] kv = new float[T.KeyLen * T.KvHeads * T.HeadDim];
    float[] o = new float[x.Length];
    for (int i = 0; i < x.Length; i++) x[i] = (i % 7) * 0.1f;
    for (int i = 0; i < kv.Length; i++) kv[i] = (i % 5) * 0.1f;
    TimeSpan before = System.Runtime.JitInfo.GetCompilationTime(currentThread: true);
    long start = Stopwatch.GetTimestamp();
    T.Attend(x, kv, kv, o);
    TimeSpan wall = Stopwatch.GetElapsedTime(start);
    TimeSpan jit = System.Runtime.JitInfo.GetCompilationTime(currentThread: true) - before;
    start = Stopwatch.GetTimestamp();
    T.Attend(x, kv, kv, o);
    TimeSpan second = Stopwatch.GetElapsedTime(start);
    Report(typeof(T).Name, jit, wall, second);
}

static int JitPerMethod(string kernel)
{
    // The runtime's own JIT events (MethodJittingStarted → MethodLoadVerbose), timestamped when they were written. The
    // listener and the shared runtime helpers are warmed on another kernel first, so the list is the kernel's own.
    using var listener = new JitEvents();
    Probe<P_H8_S32_D8>();
    if (kernel != nameof(P_H1_S16_D64)) Probe<P_H1_S16_D64>();
    System.Threading.Thread.Sleep(500);
    listener.Clear();
    var call = kernel switch
    {
        nameof(P_H1_S16_D64) => (Action)(() => Probe<P_H1_S16_D64>()),
        nameof(P_H4_S64_D32) => () => Probe<P_H4_S64_D32>(),
        nameof(P_H12_S128_D64) => () => Probe<P_H12_S128_D64>(),
        nameof(P_H12_S128_D64_Causal) => () => Probe<P_H12_S128_D64_Causal>(),
        nameof(P_H8_S512_D64) => () => Probe<P_H8_S512_D64>(),
        nameof(P_H3_S37_D17_Causal) => () => Probe<P_H3_S37_D17_Causal>(),
        nameof(P_H8_Kv2_S512_D128_CausalWindow_Softcap) => () => Probe<P_H8_Kv2_S512_D128_CausalWindow_Softcap>(),
        nameof(P_H4_S100_K300_D24_WindowBottomRight) => () => Probe<P_H4_S100_K300_D24_WindowBottomRight>(),
        _ => null,
    };
    if (call is null)
    {
        Console.Error.WriteLine($"--methods: unknown kernel '{kernel}'");
        return 2;
    }
    call();
    System.Threading.Thread.Sleep(500);   // events are dispatched asynchronously
    double total = 0;
    foreach (var (name, ms) in listener.Durations())
    {
        if (!name.Contains(kernel, StringComparison.Ordinal) && !name.StartsWith("AttentionGen", StringComparison.Ordinal)) continue;   // the listener's own
        total += ms;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ms,6:F2} ms  {name}"));
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {total,6:F2} ms  total of the kernel's and the runtime's methods compiled by the first call"));
    return 0;
}

static void Report(string name, TimeSpan jit, TimeSpan wall, TimeSpan second) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-42} first call: JIT {jit.TotalMilliseconds,6:F2} ms, wall {wall.TotalMilliseconds,7:F2} ms; second call wall {second.TotalMilliseconds,7:F3} ms"));

[Attention(16, 64, 1)] public partial struct P_H1_S16_D64 { }
[Attention(32, 64, 8)] public partial struct P_H8_S32_D8 { }
[Attention(64, 128, 4)] public partial struct P_H4_S64_D32 { }
[Attention(128, 768, 12)] public partial struct P_H12_S128_D64 { }
[Attention(512, 512, 8)] public partial struct P_H8_S512_D64 { }
[Attention(2048, 64, 1)] public partial struct P_H1_S2048_D64 { }
[Attention(128, 768, 12, Causal = true)] public partial struct P_H12_S128_D64_Causal { }
[Attention(2048, 64, 1, Causal = true)] public partial struct P_H1_S2048_D64_Causal { }
[Attention(256, 512, 4)] public partial struct P_H4_S256_D128 { }
[Attention(64, 2048, 2)] public partial struct P_H2_S64_D1024 { }
[Attention(37, 51, 3, Causal = true)] public partial struct P_H3_S37_D17_Causal { }
// The widest band methods: guarded P·V loops, per-row bands, softcap epilogue, grouped K/V heads, cross-attention.
[Attention(512, 1024, 8, KvHeads = 2, Causal = true, Window = 64, Softcap = 30f)] public partial struct P_H8_Kv2_S512_D128_CausalWindow_Softcap { }
[Attention(100, 96, 4, KeyLen = 300, Window = 20, CausalAlignment = CausalAlignment.BottomRight)] public partial struct P_H4_S100_K300_D24_WindowBottomRight { }
// Two query rows over 512 keys (a decoding step): keys read in place.
[Attention(2, 512, 8, KeyLen = 512)] public partial struct P_H8_S2_K512_D64 { }
[Attention(128, 768, 12, Projections = true)] public partial struct P_H12_S128_D64_Proj { }

// Listens to the runtime's JIT events in process: per method, the time from MethodJittingStarted to its MethodLoadVerbose.
sealed class JitEvents : System.Diagnostics.Tracing.EventListener
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, (string Name, DateTime Start)> _started = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Name, double Ms)> _done = new();

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x10);   // JIT keyword
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.Payload is null || e.PayloadNames is null) return;
        object? Get(string name) { int i = e.PayloadNames!.IndexOf(name); return i < 0 ? null : e.Payload![i]; }
        if (e.EventName == "MethodJittingStarted_V1" || e.EventName == "MethodJittingStarted")
        {
            long id = Convert.ToInt64(Get("MethodID"), CultureInfo.InvariantCulture);
            _started[id] = ($"{Get("MethodNamespace")}::{Get("MethodName")}", e.TimeStamp);
        }
        else if (e.EventName != null && e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal))
        {
            long id = Convert.ToInt64(Get("MethodID"), CultureInfo.InvariantCulture);
            if (_started.TryRemove(id, out var s))
            {
                string tier = Get("OptimizationTier")?.ToString() ?? "";
                _done.Enqueue(($"{s.Name} [{tier}]", (e.TimeStamp - s.Start).TotalMilliseconds));
            }
        }
    }

    public System.Collections.Generic.IEnumerable<(string Name, double Ms)> Durations() => _done;

    public void Clear() => _done.Clear();
}
