using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Environments;
using BenchmarkDotNet.Jobs;

namespace AttentionGen.Bench;

/// <summary>
/// The generated kernels on each of their paths, in one BenchmarkDotNet run: three jobs that differ only in
/// the runtime's SIMD switches (every benchmark runs in its own process): the Vector512 path (default on this
/// CPU), the Vector256 path (DOTNET_EnableAVX512=0) and the scalar path (DOTNET_EnableHWIntrinsic=0).
/// The shapes and causal values are those of <see cref="PeerBenchmarks"/> (same environment-variable filters).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PathConfig))]
public class PathBenchmarks
{
    private AttentionInputs _inputs = null!;
    private float[] _output = null!;
    private IAttentionPeer _kernel = null!;

    [ParamsSource(nameof(ShapeNames))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(CausalValues))]
    public bool Causal { get; set; }

    public static System.Collections.Generic.IEnumerable<string> ShapeNames => PeerBenchmarks.ShapeNames;

    public static System.Collections.Generic.IEnumerable<bool> CausalValues => PeerBenchmarks.CausalValues;

    [GlobalSetup]
    public void Setup()
    {
        Shape shape = Shapes.Get(Shape);
        _inputs = new AttentionInputs(shape);
        _output = new float[shape.Elements];
        _kernel = AttentionGen.Bench.Generated.GeneratedKernels.Create(shape, Causal);
        double[] reference = Reference.Compute(shape, _inputs.Q, _inputs.K, _inputs.V, Causal);
        double diff = PeerFactory.MaxAbsDiff(_kernel, _inputs, reference, _output);
        if (!(diff <= PeerBenchmarks.SetupTolerance))
        {
            throw new InvalidOperationException($"{_kernel.Name} is wrong for {shape} causal={Causal}: max abs diff {diff:g3}");
        }
    }

    /// <summary>The generated kernel; which path it takes is set by the job's environment.</summary>
    [Benchmark]
    public void Generated() => _kernel.Run(_inputs.Q, _inputs.K, _inputs.V, _output);

    private sealed class PathConfig : ManualConfig
    {
        public PathConfig()
        {
            Job baseJob = Environment.GetEnvironmentVariable("ATTENTIONGEN_SHORT") == "1" ? Job.ShortRun : Job.Default;
            AddJob(baseJob.WithId("Vector512"));
            AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableAVX512", "0")).WithId("Vector256"));
            AddJob(baseJob.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_EnableHWIntrinsic", "0")).WithId("Scalar"));
            AddColumn(new GFlopsColumn());
        }
    }
}
