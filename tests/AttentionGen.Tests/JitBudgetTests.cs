using System;
using System.Diagnostics;
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
        string probe = ProbePath();
        string summary = Path.Combine(Path.GetTempPath(), $"attentiongen-jit-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo("dotnet", $"\"{probe}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_JitStdOutFile"] = summary;
        start.Environment["DOTNET_JitDisasmSummary"] = "1";
        start.Environment["DOTNET_TieredCompilation"] = "0";
        // The child picks its own path, whatever SIMD switches this test process was started with.
        foreach (string knob in new[] { "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVX512", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX2", "DOTNET_EnableAVX" })
        {
            start.Environment.Remove(knob);
        }
        if (disable is not null) start.Environment[disable] = "0";
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), "the JIT probe did not finish in 5 minutes");
        Assert.True(process.ExitCode == 0, $"the JIT probe failed ({process.ExitCode}):\n{stdout}\n{stderr}");
        _output.WriteLine($"[{path}]\n{stdout}");

        string[] lines = File.ReadAllLines(summary);
        File.Delete(summary);
        string[] kernelLines = lines.Where(l => l.Contains("P_H", StringComparison.Ordinal)).ToArray();
        Assert.True(kernelLines.Length >= 11 * 3, $"expected the probe's kernel methods in the JIT summary, found {kernelLines.Length} lines");
        Assert.Contains(kernelLines, l => l.Contains(path + "Path", StringComparison.Ordinal));
        string[] minOpts = kernelLines.Where(l => l.Contains("MinOpts", StringComparison.Ordinal)).ToArray();
        foreach (string l in kernelLines.Where(l => l.Contains("Rows", StringComparison.Ordinal)))
        {
            _output.WriteLine(l.Trim());
        }
        Assert.True(minOpts.Length == 0, "generated methods compiled with MinOpts:\n" + string.Join("\n", minOpts));
    }

    private static string ProbePath()
    {
        // tests/AttentionGen.Tests/bin/<Configuration>/<tfm>/ → tests/AttentionGen.JitProbe/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo tests = here.Parent!.Parent!.Parent!.Parent!;
        string probe = Path.Combine(tests.FullName, "AttentionGen.JitProbe", "bin", configuration, tfm, "AttentionGen.JitProbe.dll");
        Assert.True(File.Exists(probe), $"build tests/AttentionGen.JitProbe first (the solution builds it): {probe} not found");
        return probe;
    }
}
