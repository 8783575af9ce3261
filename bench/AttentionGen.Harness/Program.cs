using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using AttentionGen;

// Each kernel: 200 warm-up calls, then 15 samples of 200 back-to-back calls on the same inputs; prints the median and the
// fastest sample in µs per call. Two passes over the list, so a kernel that ran while tiering settled shows it.
// Usage: dotnet <dir>/AttentionGen.Harness.dll [name,name,...]   (default: every kernel below)
var kernels = new List<(string Name, Action Run)>
{
    (nameof(CausalS512Window16), Run<CausalS512Window16>),
    (nameof(CausalS512Window64), Run<CausalS512Window64>),
    (nameof(S300D24Window20), Run<S300D24Window20>),
    (nameof(CausalS256Window5), Run<CausalS256Window5>),
    (nameof(WindowSoftcapGqa), Run<WindowSoftcapGqa>),
    (nameof(PlainH12S128), Run<PlainH12S128>),
    (nameof(SoftcapH12S128), Run<SoftcapH12S128>),
    (nameof(DecodeS2K512), Run<DecodeS2K512>),
    (nameof(DecodeSoftcapS4K1024), Run<DecodeSoftcapS4K1024>),
    (nameof(DecodeStepH32Kv8K1024), Run<DecodeStepH32Kv8K1024>),
    ("PlainH12S128x2", RunBoth<PlainH12S128>),
    ("CausalH12S128x2", RunBoth<CausalH12S128>),
    ("CausalH8S512x2", RunBoth<CausalH8S512>),
};
string[]? only = args.Length > 0 ? args[0].Split(',') : null;
foreach (string name in only ?? Array.Empty<string>())
{
    if (!kernels.Any(k => k.Name == name))
    {
        Console.Error.WriteLine($"unknown kernel '{name}'; known: {string.Join(", ", kernels.Select(k => k.Name))}");
        return 2;
    }
}
for (int pass = 0; pass < 2; pass++)
{
    foreach (var (name, run) in kernels)
    {
        if (only is null || only.Contains(name)) run();
    }
}
return 0;

static void Run<T>() where T : IAttentionKernel<T>
{
    var rng = new Random(1);
    float[] q = new float[T.SeqLen * T.Dim], kv = new float[T.KeyLen * T.KvHeads * T.HeadDim], o = new float[q.Length];
    for (int i = 0; i < q.Length; i++) q[i] = (float)rng.NextDouble() - 0.5f;
    for (int i = 0; i < kv.Length; i++) kv[i] = (float)rng.NextDouble() - 0.5f;
    for (int i = 0; i < 200; i++) T.Attend(q, kv, kv, o);
    var samples = new double[15];
    for (int r = 0; r < samples.Length; r++)
    {
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < 200; i++) T.Attend(q, kv, kv, o);
        samples[r] = Stopwatch.GetElapsedTime(t).TotalMicroseconds / 200;
    }
    Array.Sort(samples);
    Console.WriteLine($"{typeof(T).Name,-24} median {samples[7],9:F2} µs  min {samples[0],9:F2}");
}

// One thread and two, samples interleaved: the medians of each and the median of the per-sample ratios (the kernels above run 1 thread only).
static void RunBoth<T>() where T : IAttentionKernel<T>
{
    var rng = new Random(1);
    float[] q = new float[T.SeqLen * T.Dim], kv = new float[T.KeyLen * T.KvHeads * T.HeadDim], o = new float[q.Length];
    for (int i = 0; i < q.Length; i++) q[i] = (float)rng.NextDouble() - 0.5f;
    for (int i = 0; i < kv.Length; i++) kv[i] = (float)rng.NextDouble() - 0.5f;
    var two = new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 2 };
    for (int i = 0; i < 200; i++) { T.Attend(q, kv, kv, o); T.Attend(q, kv, kv, o, two); }
    var one = new double[21];
    var both = new double[21];
    var ratio = new double[21];
    for (int r = 0; r < one.Length; r++)
    {
        long t = Stopwatch.GetTimestamp();
        for (int i = 0; i < 200; i++) T.Attend(q, kv, kv, o);
        one[r] = Stopwatch.GetElapsedTime(t).TotalMicroseconds / 200;
        t = Stopwatch.GetTimestamp();
        for (int i = 0; i < 200; i++) T.Attend(q, kv, kv, o, two);
        both[r] = Stopwatch.GetElapsedTime(t).TotalMicroseconds / 200;
        ratio[r] = one[r] / both[r];
    }
    Array.Sort(one);
    Array.Sort(both);
    Array.Sort(ratio);
    Console.WriteLine($"{typeof(T).Name,-24} 1T median {one[10],8:F2} µs  2T median {both[10],8:F2} µs (min {both[0],8:F2})  1T/2T median {ratio[10]:F3}");
}

[Attention(128, 768, 12, Causal = true)] public partial struct CausalH12S128 { }
[Attention(512, 512, 8, Causal = true)] public partial struct CausalH8S512 { }
[Attention(512, 512, 8, Causal = true, Window = 16)] public partial struct CausalS512Window16 { }
[Attention(512, 512, 8, Causal = true, Window = 64)] public partial struct CausalS512Window64 { }
[Attention(300, 96, 4, Window = 20)] public partial struct S300D24Window20 { }
[Attention(256, 256, 4, Causal = true, Window = 5)] public partial struct CausalS256Window5 { }
[Attention(512, 1024, 8, KvHeads = 2, Causal = true, Window = 64, Softcap = 30f)] public partial struct WindowSoftcapGqa { }
[Attention(128, 768, 12)] public partial struct PlainH12S128 { }
[Attention(128, 768, 12, Softcap = 50f)] public partial struct SoftcapH12S128 { }
[Attention(2, 512, 8, KeyLen = 512)] public partial struct DecodeS2K512 { }
[Attention(4, 512, 8, KeyLen = 1024, Softcap = 50f)] public partial struct DecodeSoftcapS4K1024 { }
// FeatureBenchmarks' decode step: one query over a 1,024-token KV cache, 32 query heads sharing 8 key/value heads.
[Attention(1, 4096, 32, KeyLen = 1024, KvHeads = 8, Causal = true, CausalAlignment = CausalAlignment.BottomRight)] public partial struct DecodeStepH32Kv8K1024 { }
