using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using AttentionGen;
using AttentionGen.ReliabilityProbe;
using AttentionGen.Tests.Shared;

// Child process of the reliability tests. Modes:
//   guard        run every kernel below with q, k, v, x and output placed against PROT_NONE guard pages
//                (after the span, then before it); a read or write outside a span crashes this process.
//                Also checks that nothing outside the output is written (sentinels) and that the inputs
//                are unchanged. Prints one line per check, exits 0 when all pass, 1 otherwise.
//   dump <file>  run every kernel on a few input variants and write inputs, outputs and the active SIMD
//                path to <file> (format: ProbeDump below) for the parent to compare across paths.
//   overrun      self-test: reads one float past a guarded span, which must crash the process.
if (args.Length == 1 && args[0] == "guard")
{
    return GuardMode.Run(ProbeKernels.All);
}
if (args.Length == 2 && args[0] == "dump")
{
    ProbeDump.Write(args[1], ProbeKernels.All);
    Console.WriteLine($"dumped {ProbeKernels.All.Count} kernels on the {TestData.ActivePath} path to {args[1]}");
    return 0;
}
if (args.Length == 1 && args[0] == "overrun")
{
    // Self-test of the guard: reads one float past the end of a guarded span. Must crash (SIGSEGV).
    using var buffer = new GuardedBuffer(7, GuardedBuffer.Placement.End);
    float past = System.Runtime.CompilerServices.Unsafe.Add(ref MemoryMarshal.GetReference(buffer.Span), 7);
    Console.WriteLine($"read past the end of a guarded span without a fault: {past}");
    return GuardedBuffer.UsesGuardPages ? 1 : 0;
}
Console.Error.WriteLine("usage: AttentionGen.ReliabilityProbe guard | dump <file> | overrun");
return 2;

// Every seqLen in {1, 7, 33} with every head dim in {1, 3, 17, 100}, plus head dims that are multiples of
// the vector widths (16, 64: values are read in place, not repacked) and a larger causal kernel.
[Attention(1, 1, 1)] public partial struct M_S1_D1 { }
[Attention(1, 6, 2, Causal = true)] public partial struct M_S1_D3_H2_Causal { }
[Attention(1, 17, 1, Causal = true)] public partial struct M_S1_D17_Causal { }
[Attention(1, 200, 2)] public partial struct M_S1_D100_H2 { }
[Attention(7, 2, 2, Causal = true)] public partial struct M_S7_D1_H2_Causal { }
[Attention(7, 3, 1)] public partial struct M_S7_D3 { }
[Attention(7, 17, 1)] public partial struct M_S7_D17 { }
[Attention(7, 300, 3, Causal = true)] public partial struct M_S7_D100_H3_Causal { }
[Attention(33, 4, 4, Causal = true)] public partial struct M_S33_D1_H4_Causal { }
[Attention(33, 3, 1)] public partial struct M_S33_D3 { }
[Attention(33, 34, 2, Causal = true)] public partial struct M_S33_D17_H2_Causal { }
[Attention(33, 100, 1)] public partial struct M_S33_D100 { }
[Attention(33, 32, 2)] public partial struct M_S33_D16_H2 { }
[Attention(7, 64, 1, Causal = true)] public partial struct M_S7_D64_Causal { }
[Attention(64, 256, 4, Causal = true)] public partial struct M_S64_D64_H4_Causal { }

namespace AttentionGen.ReliabilityProbe
{
    internal delegate void AttendFn(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);
    internal delegate void SelfAttendFn(ReadOnlySpan<float> x, Span<float> output);

    internal sealed record KernelCase(string Name, int SeqLen, int Dim, int Heads, float Scale, bool Causal, AttendFn Attend, SelfAttendFn SelfAttend)
    {
        public int Length => SeqLen * Dim;

        public static KernelCase Of<T>() where T : IAttentionKernel<T> =>
            new(typeof(T).Name, T.SeqLen, T.Dim, T.Heads, T.Scale, T.Causal, T.Attend, (x, o) => T.Attend(x, x, x, o));
    }

    internal static class ProbeKernels
    {
        public static IReadOnlyList<KernelCase> All { get; } = new[]
        {
            KernelCase.Of<M_S1_D1>(), KernelCase.Of<M_S1_D3_H2_Causal>(), KernelCase.Of<M_S1_D17_Causal>(), KernelCase.Of<M_S1_D100_H2>(),
            KernelCase.Of<M_S7_D1_H2_Causal>(), KernelCase.Of<M_S7_D3>(), KernelCase.Of<M_S7_D17>(), KernelCase.Of<M_S7_D100_H3_Causal>(),
            KernelCase.Of<M_S33_D1_H4_Causal>(), KernelCase.Of<M_S33_D3>(), KernelCase.Of<M_S33_D17_H2_Causal>(), KernelCase.Of<M_S33_D100>(),
            KernelCase.Of<M_S33_D16_H2>(), KernelCase.Of<M_S7_D64_Causal>(), KernelCase.Of<M_S64_D64_H4_Causal>(),
        };
    }

    /// <summary>
    /// n floats in their own anonymous mapping with a PROT_NONE page right after the span (<see cref="Placement.End"/>)
    /// or right before it (<see cref="Placement.Start"/>). The rest of the span's pages is "slack", filled with a sentinel.
    /// Where mmap is unavailable (not Linux) the buffer is native memory with sentinel slack on both sides.
    /// </summary>
    internal sealed unsafe class GuardedBuffer : IDisposable
    {
        public enum Placement { End, Start }

        private const int ProtNone = 0, ProtRead = 1, ProtWrite = 2;
        private const int MapPrivate = 0x02, MapAnonymous = 0x20;
        private const int FallbackSlack = 1024;

        private readonly byte* _base;
        private readonly nuint _total;
        private readonly float* _span;
        private readonly int _length;
        private readonly float* _slack;
        private readonly int _slackLength;
        private readonly float* _slack2;
        private readonly int _slack2Length;

        public static bool UsesGuardPages => OperatingSystem.IsLinux();

        public GuardedBuffer(int length, Placement placement)
        {
            _length = length;
            if (UsesGuardPages)
            {
                nuint page = (nuint)Environment.SystemPageSize;
                nuint bytes = (nuint)length * sizeof(float);
                nuint dataBytes = (bytes + page - 1) / page * page;
                _total = dataBytes + page;
                _base = (byte*)mmap(null, _total, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
                if (_base == (byte*)-1) throw new InvalidOperationException($"mmap of {_total} bytes failed, errno {Marshal.GetLastPInvokeError()}");
                if (placement == Placement.End)
                {
                    Protect(_base + dataBytes, page);
                    _span = (float*)(_base + dataBytes - bytes);
                    _slack = (float*)_base;
                    _slackLength = (int)((dataBytes - bytes) / sizeof(float));
                }
                else
                {
                    Protect(_base, page);
                    _span = (float*)(_base + page);
                    _slack = _span + length;
                    _slackLength = (int)((dataBytes - bytes) / sizeof(float));
                }
            }
            else
            {
                _total = (nuint)(length + 2 * FallbackSlack) * sizeof(float);
                _base = (byte*)NativeMemory.Alloc(_total);
                _slack = (float*)_base;
                _slackLength = FallbackSlack;
                _span = _slack + FallbackSlack;
                _slack2 = _span + length;
                _slack2Length = FallbackSlack;
            }
            Slack.Fill(Sentinel);
            SecondSlack.Fill(Sentinel);
        }

        /// <summary>A NaN with a payload no arithmetic produces.</summary>
        public static float Sentinel { get; } = BitConverter.Int32BitsToSingle(0x7FC0_DEAD);

        public Span<float> Span => new(_span, _length);

        private Span<float> Slack => new(_slack, _slackLength);

        private Span<float> SecondSlack => new(_slack2, _slack2Length);

        /// <summary>Index into the slack of the first float that is no longer the sentinel, or −1.</summary>
        public int FirstSlackChange()
        {
            int bad = FirstChange(Slack);
            if (bad >= 0) return bad;
            bad = FirstChange(SecondSlack);
            return bad < 0 ? -1 : _slackLength + bad;
        }

        private static int FirstChange(Span<float> slack)
        {
            for (int i = 0; i < slack.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(slack[i]) != 0x7FC0_DEAD) return i;
            }
            return -1;
        }

        public void Dispose()
        {
            if (UsesGuardPages) munmap(_base, _total);
            else NativeMemory.Free(_base);
        }

        private static void Protect(byte* address, nuint length)
        {
            if (mprotect(address, length, ProtNone) != 0) throw new InvalidOperationException($"mprotect failed, errno {Marshal.GetLastPInvokeError()}");
        }

        [DllImport("libc", SetLastError = true)]
        private static extern void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

        [DllImport("libc", SetLastError = true)]
        private static extern int mprotect(void* addr, nuint len, int prot);

        [DllImport("libc", SetLastError = true)]
        private static extern int munmap(void* addr, nuint length);
    }

    internal static class GuardMode
    {
        public static int Run(IReadOnlyList<KernelCase> cases)
        {
            int checks = 0, failures = 0;
            Console.WriteLine($"path {TestData.ActivePath}; {(GuardedBuffer.UsesGuardPages ? "PROT_NONE guard pages (mmap)" : "sentinels only (no mmap on this OS)")}");
            foreach (KernelCase c in cases)
            {
                int n = c.Length;
                float[] q = TestData.Gaussian(1, n), k = TestData.Gaussian(2, n), v = TestData.Gaussian(3, n);

                // Reference run in managed arrays, output framed by sentinels.
                const int Pad = 67;
                float[] framed = new float[n + 2 * Pad];
                Array.Fill(framed, GuardedBuffer.Sentinel);
                c.Attend(q, k, v, framed.AsSpan(Pad, n));
                checks++;
                if (!SentinelsIntact(framed.AsSpan(0, Pad)) || !SentinelsIntact(framed.AsSpan(Pad + n, Pad)))
                {
                    failures++;
                    Console.WriteLine($"FAIL {c.Name}: a write outside the output slice (sentinels of a managed output changed)");
                }
                float[] expected = framed.AsSpan(Pad, n).ToArray();
                float[] expectedSelf = new float[n];
                c.SelfAttend(q, expectedSelf);

                foreach (GuardedBuffer.Placement placement in new[] { GuardedBuffer.Placement.End, GuardedBuffer.Placement.Start })
                {
                    using var gq = new GuardedBuffer(n, placement);
                    using var gk = new GuardedBuffer(n, placement);
                    using var gv = new GuardedBuffer(n, placement);
                    using var go = new GuardedBuffer(n, placement);
                    q.CopyTo(gq.Span);
                    k.CopyTo(gk.Span);
                    v.CopyTo(gv.Span);
                    go.Span.Fill(GuardedBuffer.Sentinel);
                    c.Attend(gq.Span, gk.Span, gv.Span, go.Span);
                    failures += Check(ref checks, c.Name, $"Attend, guard {(placement == GuardedBuffer.Placement.End ? "after" : "before")} each span",
                        go, expected, (gq, q, "q"), (gk, k, "k"), (gv, v, "v"));

                    go.Span.Fill(GuardedBuffer.Sentinel);
                    c.SelfAttend(gq.Span, go.Span);
                    failures += Check(ref checks, c.Name, $"SelfAttend, guard {(placement == GuardedBuffer.Placement.End ? "after" : "before")} each span",
                        go, expectedSelf, (gq, q, "x"));
                }
            }
            Console.WriteLine($"{checks} checks, {failures} failures");
            return failures == 0 ? 0 : 1;
        }

        private static int Check(ref int checks, string name, string what, GuardedBuffer output, float[] expected, params (GuardedBuffer Buffer, float[] Original, string Name)[] inputs)
        {
            checks++;
            var problems = new List<string>();
            int slack = output.FirstSlackChange();
            if (slack >= 0) problems.Add($"a write outside the output: slack float {slack} next to the output changed");
            foreach (var (buffer, original, inputName) in inputs)
            {
                if (!buffer.Span.SequenceEqual(original)) problems.Add($"input '{inputName}' was modified");
                if (buffer.FirstSlackChange() >= 0) problems.Add($"the memory next to input '{inputName}' was modified");
            }
            ReadOnlySpan<float> actual = output.Span;
            for (int i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                {
                    problems.Add($"output[{i}] = {actual[i]:R}, expected {expected[i]:R} (the result of the same call on managed arrays)");
                    break;
                }
            }
            Console.WriteLine($"{(problems.Count == 0 ? "ok  " : "FAIL")} {name}: {what}{(problems.Count == 0 ? "" : ": " + string.Join("; ", problems))}");
            return problems.Count == 0 ? 0 : 1;
        }

        private static bool SentinelsIntact(ReadOnlySpan<float> span)
        {
            foreach (float f in span)
            {
                if (BitConverter.SingleToInt32Bits(f) != 0x7FC0_DEAD) return false;
            }
            return true;
        }
    }

    /// <summary>
    /// Binary dump: int count, then per record: name, variant, path (strings), seqLen, dim, heads (int),
    /// scale (float), causal (bool), then q, k, v, output (int length + floats each).
    /// </summary>
    internal static class ProbeDump
    {
        public static readonly string[] Variants = { "gaussian", "large", "nonfinite" };

        public static void Write(string file, IReadOnlyList<KernelCase> cases)
        {
            using var writer = new BinaryWriter(File.Create(file));
            writer.Write(cases.Count * Variants.Length);
            foreach (KernelCase c in cases)
            {
                foreach (string variant in Variants)
                {
                    var (q, k, v) = Inputs(c, variant);
                    float[] o = new float[c.Length];
                    c.Attend(q, k, v, o);
                    writer.Write(c.Name);
                    writer.Write(variant);
                    writer.Write(TestData.ActivePath);
                    writer.Write(c.SeqLen);
                    writer.Write(c.Dim);
                    writer.Write(c.Heads);
                    writer.Write(c.Scale);
                    writer.Write(c.Causal);
                    foreach (float[] a in new[] { q, k, v, o })
                    {
                        writer.Write(a.Length);
                        foreach (float f in a) writer.Write(f);
                    }
                }
            }
        }

        // gaussian: N(0,1). large: N(0,1)·40, so scaled scores reach ~1e3-1e4 and only the max subtraction
        // keeps exp finite. nonfinite: N(0,1) with a NaN in q (row 1, if any), −∞ in k's last row (a key whose
        // score is ±∞ or NaN for every row that sees it) and +∞ in v's first row (seen by every row).
        private static (float[] Q, float[] K, float[] V) Inputs(KernelCase c, string variant)
        {
            int n = c.Length;
            float[] q = TestData.Gaussian(11, n), k = TestData.Gaussian(12, n), v = TestData.Gaussian(13, n);
            if (variant == "large")
            {
                for (int i = 0; i < n; i++) { q[i] *= 40; k[i] *= 40; }
            }
            else if (variant == "nonfinite")
            {
                if (c.SeqLen > 1) q[c.Dim] = float.NaN;
                k[(c.SeqLen - 1) * c.Dim] = float.NegativeInfinity;
                v[0] = float.PositiveInfinity;
            }
            return (q, k, v);
        }
    }
}
