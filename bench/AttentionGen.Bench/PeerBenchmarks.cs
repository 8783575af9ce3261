using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AttentionGen.Bench.Peers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using ShapeInfo = AttentionGen.Bench.Shape;

namespace AttentionGen.Bench;

/// <summary>
/// The peers of PEERS.md on the shared shape table, causal and not. Each benchmark method runs in its own process
/// (BenchmarkDotNet), so each has its own [GlobalSetup] that builds only its peer and checks its output against
/// the float64 reference before timing (throws if off by more than <see cref="SetupTolerance"/>).
/// A peer that cannot be built (e.g. an ONNX Runtime op attribute rejected) fails only its own cases.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(AttentionBenchConfig))]
public class PeerBenchmarks
{
    public const double SetupTolerance = 1e-4;

    private AttentionInputs _inputs = null!;
    private float[] _output = null!;
    private IAttentionPeer? _peer;
    private OrtPeer? _ort;

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(CausalValues))]
    public bool Causal { get; set; }

    /// <summary>All shapes, or only those listed (comma separated) in the ATTENTIONGEN_SHAPES environment variable.</summary>
    public static IEnumerable<string> ShapeNames
    {
        get
        {
            string? only = Environment.GetEnvironmentVariable("ATTENTIONGEN_SHAPES");
            return string.IsNullOrWhiteSpace(only)
                ? Shapes.Names
                : only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => Shapes.Get(n).Name);
        }
    }

    /// <summary>false and true, or only the value of the ATTENTIONGEN_CAUSAL environment variable ("false"/"true").</summary>
    public static IEnumerable<bool> CausalValues
    {
        get
        {
            string? only = Environment.GetEnvironmentVariable("ATTENTIONGEN_CAUSAL");
            return string.IsNullOrWhiteSpace(only) ? [false, true] : [bool.Parse(only.Trim())];
        }
    }

    private ShapeInfo Info => Shapes.Get(Shape);

    // ------------------------------------------------------------------ setups (one per benchmark)

    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive() => Setup("Naive");

    [GlobalSetup(Target = nameof(TensorPrimitives))]
    public void SetupTensorPrimitives() => Setup("TensorPrimitives");

    [GlobalSetup(Target = nameof(RuntimeTiled))]
    public void SetupRuntimeTiled() => Setup("RuntimeTiled");

    [GlobalSetup(Target = nameof(RuntimeTiledV256))]
    public void SetupRuntimeTiledV256() => Setup("RuntimeTiledV256");

    [GlobalSetup(Target = nameof(OrtAttention1T))]
    public void SetupOrtAttention1T() => Setup("OrtAttention1T");

    [GlobalSetup(Target = nameof(OrtMha1T))]
    public void SetupOrtMha1T() => Setup("OrtMha1T");

    [GlobalSetup(Target = nameof(OrtAttention2T))]
    public void SetupOrtAttention2T() => Setup("OrtAttention2T");

    [GlobalSetup(Target = nameof(OrtMha2T))]
    public void SetupOrtMha2T() => Setup("OrtMha2T");

    // ------------------------------------------------------------------ C# peers

    [Benchmark]
    public void Naive() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    [Benchmark]
    public void TensorPrimitives() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    /// <summary>Hand-written tiled kernel, sizes known only at run time (Vector512 path on AVX-512 hardware).</summary>
    [Benchmark]
    public void RuntimeTiled() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    /// <summary>Same, forced onto the Vector256 path.</summary>
    [Benchmark]
    public void RuntimeTiledV256() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    // ------------------------------------------------------------------ ONNX Runtime peers (inputs bound once)

    [Benchmark]
    public void OrtAttention1T() => _ort!.RunBound();

    [Benchmark]
    public void OrtMha1T() => _ort!.RunBound();

    [Benchmark]
    public void OrtAttention2T() => _ort!.RunBound();

    [Benchmark]
    public void OrtMha2T() => _ort!.RunBound();

    // ------------------------------------------------------------------ generated kernels

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated() => Setup("Generated");

    /// <summary>The AttentionGen kernel for this shape (widest accelerated path: Vector512 here).</summary>
    [Benchmark(Baseline = true)]
    public void Generated() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    [GlobalSetup(Target = nameof(Generated2T))]
    public void SetupGenerated2T() => Setup("Generated2T");

    /// <summary>The AttentionGen kernel with maxDegreeOfParallelism 2 (stays serial where threads do not pay).</summary>
    [Benchmark]
    public void Generated2T() => _peer!.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        _peer?.Dispose();
        _peer = null;
        _ort = null;
    }

    private void Setup(string peerName)
    {
        ShapeInfo shape = Info;
        _inputs = new AttentionInputs(shape);
        _output = new float[shape.Elements];
        double[] reference = Reference.Compute(shape, _inputs.Q, _inputs.K, _inputs.V, Causal);

        IAttentionPeer peer;
        try
        {
            peer = PeerFactory.Create(peerName, shape, Causal);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException(
                $"{peerName} cannot be built for {shape} causal={Causal}: {ex.GetType().Name}: {ex.Message}", ex);
        }

        double diff = PeerFactory.MaxAbsDiff(peer, _inputs, reference, _output);
        if (!(diff <= SetupTolerance))
        {
            peer.Dispose();
            throw new InvalidOperationException(
                $"{peer.Name} is wrong for {shape} causal={Causal}: max abs diff {diff:g3} > {SetupTolerance:g}");
        }

        _peer = peer;
        _ort = peer as OrtPeer; // MaxAbsDiff ran it via Run(), which left the inputs in its bound buffers
    }
}

/// <summary>Adds a GFLOP/s column (4·H·S²·dh per call, as in PEERS.md) to the default configuration.</summary>
public sealed class AttentionBenchConfig : ManualConfig
{
    public AttentionBenchConfig()
    {
        AddColumn(new GFlopsColumn());
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(20);
    }
}

public sealed class GFlopsColumn : IColumn
{
    public string Id => nameof(GFlopsColumn);

    public string ColumnName => "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "4*H*S^2*dh / mean time (causal counted as dense)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? meanNs = report?.ResultStatistics?.Mean;
        object? shapeName = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(PeerBenchmarks.Shape))?.Value;
        if (meanNs is not > 0 || shapeName is not string name)
        {
            return "-";
        }

        double flops = Shapes.Get(name).Flops;
        return (flops / meanNs.Value).ToString("0.0", CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}
