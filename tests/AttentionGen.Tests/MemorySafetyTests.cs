using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// Generated code reads and writes only inside the spans it is given. tests/AttentionGen.ReliabilityProbe
/// places q, k, v, x and the output of 15 odd-shaped kernels (seqLen 1, 7, 33, 64; head dims 1, 3, 16, 17, 64,
/// 100; causal and not) against a PROT_NONE guard page (after the span, then before it): any read or write
/// outside a span kills the child with SIGSEGV. It also checks that the rest of the output's page (sentinels)
/// and the inputs are unchanged, and that the output equals that of the same call on managed arrays whose
/// output is framed by sentinels. The child runs on each SIMD path.
/// </summary>
public sealed class MemorySafetyTests
{
    private readonly ITestOutputHelper _output;

    public MemorySafetyTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(null)]                          // Vector512 where the CPU has it
    [InlineData("DOTNET_EnableAVX512")]         // Vector256
    [InlineData("DOTNET_EnableHWIntrinsic")]    // scalar
    public void KernelsStayInsideTheirSpans(string? disable)
    {
        ReliabilityProbeRunner.Result r = ReliabilityProbeRunner.Run(disable, "guard");
        _output.WriteLine(r.StdOut.Split('\n')[0]);
        _output.WriteLine(r.StdOut.Split('\n').LastOrDefault(l => l.Contains("checks", StringComparison.Ordinal)) ?? "");
        Assert.True(r.ExitCode == 0,
            $"memory-safety probe with {disable ?? "default SIMD"}=0 failed (exit code 134 or 139 = a read or write hit a guard page):\n{r}");
        var summary = System.Text.RegularExpressions.Regex.Match(r.StdOut, @"(\d+) checks, (\d+) failures");
        Assert.True(summary.Success, $"the probe printed no summary:\n{r}");
        Assert.Equal("0", summary.Groups[2].Value);
        Assert.True(int.Parse(summary.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 75, $"expected ≥ 75 checks (15 kernels × 5):\n{r}");
    }

    [Fact]
    public void GuardPageCatchesAReadPastTheEnd()
    {
        // The guard itself works: the probe's self-test reads one float past a guarded span and must die.
        if (!OperatingSystem.IsLinux()) return;   // no mmap guard elsewhere: the probe then uses sentinels only
        ReliabilityProbeRunner.Result r = ReliabilityProbeRunner.Run(null, "overrun");
        Assert.True(r.ExitCode != 0, $"reading past a guarded span did not fault:\n{r}");
        Assert.Contains("AccessViolationException", r.StdErr + r.StdOut);
    }
}
