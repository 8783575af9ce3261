using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// Runs a probe program built by the solution (tests/AttentionGen.ReliabilityProbe, tests/AttentionGen.JitProbe)
/// as a child process under a chosen SIMD setting, whatever switches this test process was started with.
/// </summary>
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
    public static Result Run(string? disable, params string[] arguments) =>
        RunProbe("AttentionGen.ReliabilityProbe", disable, environment: null, arguments);

    /// <summary>Runs the probe project <paramref name="project"/> with extra environment variables.</summary>
    public static Result RunProbe(string project, string? disable, System.Collections.Generic.IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ProbePath(project));
        foreach (string a in arguments) start.ArgumentList.Add(a);
        foreach (string knob in Knobs) start.Environment.Remove(knob);
        // A crash of the overrun self-test must not leave a core dump behind.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        if (disable is not null) start.Environment[disable] = "0";
        if (environment is not null)
        {
            foreach (var (name, value) in environment) start.Environment[name] = value;
        }
        using Process process = Process.Start(start)!;
        var stderrTask = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(300_000), $"{project} ({string.Join(' ', arguments)}) did not finish in 5 minutes");
        return new Result(process.ExitCode, stdout, stderrTask.GetAwaiter().GetResult());
    }

    private static string ProbePath(string project)
    {
        // tests/AttentionGen.Tests/bin/<Configuration>/<tfm>/ → tests/<project>/bin/<Configuration>/<tfm>/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = here.Name;
        string configuration = here.Parent!.Name;
        DirectoryInfo tests = here.Parent!.Parent!.Parent!.Parent!;
        string probe = Path.Combine(tests.FullName, project, "bin", configuration, tfm, project + ".dll");
        Assert.True(File.Exists(probe), $"build tests/{project} first (the solution builds it): {probe} not found");
        return probe;
    }
}
