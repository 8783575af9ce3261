using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// The scalar, Vector256 and Vector512 paths agree, checked in one test run even when CI's runs with SIMD
/// switched off are skipped: tests/AttentionGen.ReliabilityProbe runs 15 kernels on three input variants
/// (N(0,1); ×40 so scores reach ~1e4; NaN in q, −∞ in k, +∞ in v) in a child process per SIMD setting
/// and dumps inputs and outputs. Every finite reference value is matched within <see cref="TestData.Bound"/>
/// by every path, the paths agree with each other within the bound, and a non-finite reference value is
/// the same class (NaN, +∞, −∞) on every path.
/// </summary>
public sealed class ReliabilityFallbackTests
{
    private readonly ITestOutputHelper _output;

    public ReliabilityFallbackTests(ITestOutputHelper output) => _output = output;

    private sealed record Record(string Name, string Variant, string Path, int SeqLen, int Dim, int Heads, float Scale, bool Causal, float[] Q, float[] K, float[] V, float[] O);

    [Fact]
    public void ScalarVector256AndVector512PathsAgree()
    {
        var settings = new (string? Disable, string Label)[]
        {
            (null, "default"), ("DOTNET_EnableAVX512", "DOTNET_EnableAVX512=0"), ("DOTNET_EnableAVX2", "DOTNET_EnableAVX2=0"), ("DOTNET_EnableHWIntrinsic", "DOTNET_EnableHWIntrinsic=0"),
        };
        var runs = new List<(string Label, Record[] Records)>();
        foreach (var (disable, label) in settings)
        {
            string file = Path.Combine(Path.GetTempPath(), $"attentiongen-paths-{Guid.NewGuid():N}.bin");
            try
            {
                ReliabilityProbeRunner.Result r = ReliabilityProbeRunner.Run(disable, "dump", file);
                Assert.True(r.ExitCode == 0, $"probe dump with {label} failed:\n{r}");
                runs.Add((label, Read(file)));
            }
            finally
            {
                File.Delete(file);
            }
        }
        foreach (var (label, records) in runs) _output.WriteLine($"{label}: {records[0].Path} path, {records.Length} records");

        // The switches select the paths they should (the default one depends on the CPU).
        Assert.All(runs.Single(r => r.Label == "DOTNET_EnableHWIntrinsic=0").Records, x => Assert.Equal("scalar", x.Path));
        Assert.All(runs.Single(r => r.Label == "DOTNET_EnableAVX2=0").Records, x => Assert.Equal("scalar", x.Path));
        Assert.All(runs.Single(r => r.Label == "DOTNET_EnableAVX512=0").Records, x => Assert.NotEqual("Vector512", x.Path));
        string[] paths = runs.Select(r => r.Records[0].Path).Distinct().ToArray();
        _output.WriteLine($"paths compared: {string.Join(", ", paths)}");
        Assert.Contains("scalar", paths);

        var failures = new List<string>();
        int count = runs[0].Records.Length;
        foreach (var run in runs) Assert.Equal(count, run.Records.Length);
        double worst = 0;
        for (int i = 0; i < count; i++)
        {
            Record first = runs[0].Records[i];
            double[] reference = new double[first.O.Length];
            AttentionReference.Attend(first.Q, first.K, first.V, reference, first.SeqLen, first.SeqLen, first.Dim, first.Heads, first.Scale, first.Causal);
            double bound = TestData.Bound(FiniteMaxAbsScore(first));
            foreach (var (label, records) in runs)
            {
                Record r = records[i];
                Assert.Equal((first.Name, first.Variant), (r.Name, r.Variant));
                Assert.Equal(first.Q, r.Q);
                for (int e = 0; e < reference.Length; e++)
                {
                    double expected = reference[e];
                    float actual = r.O[e];
                    if (double.IsFinite(expected))
                    {
                        double error = Math.Abs(actual - expected);
                        if (!(error <= bound)) { failures.Add($"{r.Name}/{r.Variant} on {r.Path} ({label}): output[{e}] = {actual:R}, reference {expected:R}, bound {bound:E2}"); break; }
                        worst = Math.Max(worst, error / bound);
                    }
                    else if (Class(actual) != Class(expected))
                    {
                        failures.Add($"{r.Name}/{r.Variant} on {r.Path} ({label}): output[{e}] = {actual:R}, reference {expected:R} (non-finite values must be the same class)");
                        break;
                    }
                }
                for (int e = 0; e < reference.Length; e++)
                {
                    float a = r.O[e], b = first.O[e];
                    bool agree = float.IsFinite(a) && float.IsFinite(b) ? Math.Abs(a - b) <= bound : Class(a) == Class(b);
                    if (!agree) { failures.Add($"{r.Name}/{r.Variant}: output[{e}] is {a:R} on {r.Path} ({label}) but {b:R} on {first.Path} ({runs[0].Label})"); break; }
                }
            }
        }
        _output.WriteLine($"{count} kernel×input records, worst |error|/bound {worst:F3}");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    private static string Class(double x) => double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "+inf" : double.IsNegativeInfinity(x) ? "-inf" : "finite";

    private static double FiniteMaxAbsScore(Record r)
    {
        float[] q = r.Q.Select(x => float.IsFinite(x) ? x : 0f).ToArray();
        float[] k = r.K.Select(x => float.IsFinite(x) ? x : 0f).ToArray();
        return TestData.MaxAbsScore(q, k, r.SeqLen, r.SeqLen, r.Dim, r.Heads, r.Scale);
    }

    private static Record[] Read(string file)
    {
        using var reader = new BinaryReader(File.OpenRead(file));
        int n = reader.ReadInt32();
        var records = new Record[n];
        for (int i = 0; i < n; i++)
        {
            string name = reader.ReadString(), variant = reader.ReadString(), path = reader.ReadString();
            int s = reader.ReadInt32(), d = reader.ReadInt32(), h = reader.ReadInt32();
            float scale = reader.ReadSingle();
            bool causal = reader.ReadBoolean();
            float[] q = ReadArray(reader), k = ReadArray(reader), v = ReadArray(reader), o = ReadArray(reader);
            records[i] = new Record(name, variant, path, s, d, h, scale, causal, q, k, v, o);
        }
        return records;
    }

    private static float[] ReadArray(BinaryReader reader)
    {
        float[] a = new float[reader.ReadInt32()];
        for (int i = 0; i < a.Length; i++) a[i] = reader.ReadSingle();
        return a;
    }
}
