using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// Guards the JIT budget (../shared/JIT.md): no generated kernel method may be compiled with MinOpts.
/// Runs tests/AttentionGen.JitProbe in a child process with every method compiled fully optimised at once
/// (DOTNET_TieredCompilation=0) and the JIT's one-line summary per method written to a file, for the
/// Vector512 path and again with Vector512 switched off (the Vector256 path).
/// </summary>
public sealed class JitBudgetTests
{
    private readonly ITestOutputHelper _output;

    public JitBudgetTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("Vector512", null)]
    [InlineData("Vector256", "DOTNET_EnableAVX512")]
    public void NoGeneratedMethodIsCompiledWithMinOpts(string path, string? disable)
    {
        string summary = Path.Combine(Path.GetTempPath(), $"attentiongen-jit-{Guid.NewGuid():N}.txt");
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_JitStdOutFile"] = summary,
            ["DOTNET_JitDisasmSummary"] = "1",
            ["DOTNET_TieredCompilation"] = "0",
        };
        ReliabilityProbeRunner.Result result = ReliabilityProbeRunner.RunProbe("AttentionGen.JitProbe", disable, environment);
        Assert.True(result.ExitCode == 0, $"the JIT probe failed: {result}");
        _output.WriteLine($"[{path}]\n{result.StdOut}");

        string[] lines = File.ReadAllLines(summary);
        File.Delete(summary);
        string[] kernelLines = lines.Where(l => l.Contains("P_H", StringComparison.Ordinal)).ToArray();
        Assert.True(kernelLines.Length >= 11 * 3, $"expected the probe's kernel methods in the JIT summary, found {kernelLines.Length} lines");
        Assert.Contains(kernelLines, l => l.Contains(path + "Path", StringComparison.Ordinal));
        Assert.Contains(kernelLines, l => l.Contains(path + "Gemm", StringComparison.Ordinal) && l.Contains("Tile", StringComparison.Ordinal));   // Forward's projection tiles
        string[] minOpts = kernelLines.Where(l => l.Contains("MinOpts", StringComparison.Ordinal)).ToArray();
        foreach (string l in kernelLines.Where(l => l.Contains("Rows", StringComparison.Ordinal) || l.Contains("Tile", StringComparison.Ordinal)))
        {
            _output.WriteLine(l.Trim());
        }
        Assert.True(minOpts.Length == 0, "generated methods compiled with MinOpts:\n" + string.Join("\n", minOpts));
    }
}
