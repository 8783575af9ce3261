using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>Runs tests/AttentionGen.ReliabilityProbe as a child process under a chosen SIMD setting.</summary>
internal static class ReliabilityProbeRunner
{
    /// <summary>The SIMD switches a child may be given; all are cleared first so the parent's own switches do not leak in.</summary>
    public static readonly string[] Knobs =
    {
        "DOTNET_EnableHWIntrinsic", "DOTNET_EnableAVX512", "DOTNET_EnableAVX512F", "DOTNET_EnableAVX2", "DOTNET_EnableAVX",
    };

    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StdOut}\n--- stderr\n{StdErr}";
    }

    /// <param name="disable">An environment variable to set to 0 in the child (e.g. DOTNET_EnableAVX512), or null for the default path.</param>
    public static Result Run(string? disable, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProbePath());
        foreach (string a in arguments) start.ArgumentList.Add(a);
        foreach (string knob in Knobs) start.Environment.Remove(knob);
        // A crash of the overrun self-test must not leave a core dump behind.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        if (disable is not null) start.Environment[disable] = "0";
        using Process process = Process.Start(start)!;
        var stderrTask = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), $"the reliability probe ({string.Join(' ', arguments)}) did not finish in 2 minutes");
        return new Result(process.ExitCode, stdout, stderrTask.GetAwaiter().GetResult());
    }

    private static string ProbePath()
    {
        // tests/AttentionGen.Tests/bin/<Configuration>/<tfm>/ → tests/AttentionGen.ReliabilityProbe/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo tests = here.Parent!.Parent!.Parent!.Parent!;
        string probe = Path.Combine(tests.FullName, "AttentionGen.ReliabilityProbe", "bin", configuration, tfm, "AttentionGen.ReliabilityProbe.dll");
        Assert.True(File.Exists(probe), $"build tests/AttentionGen.ReliabilityProbe first (the solution builds it): {probe} not found");
        return probe;
    }
}
