using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using AttentionGen.Bench.Peers;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace AttentionGen.Bench;

/// <summary>The layer kernel of <see cref="ProjectionBenchmarks"/>: BERT-base attention, 12 heads of 64, 128 tokens.</summary>
[Attention(128, 768, 12, Projections = true)]
public partial struct H12_S128_D64_Layer { }

/// <summary>
/// The whole attention layer (Q/K/V projections with bias, attention, output projection with bias) at H12-S128-Dim768,
/// one thread:
/// <list type="bullet">
/// <item><c>Forward</c>: the generated <c>Forward</c> (shape-specialised register-tiled GEMMs + the kernel).</item>
/// <item><c>TensorPrimitivesGemm</c>: the same layer with the projections as a runtime GEMM over
/// <c>TensorPrimitives.MultiplyAdd</c> rows (C row i += A[i, t]·W row t) and the generated kernel for the attention:
/// what the projections would cost as a shape-independent helper.</item>
/// <item><c>OrtAttentionMatMul1T</c>: ONNX Runtime, a three-node graph: <c>com.microsoft.Attention</c> (input, weights
/// [Dim, 3·Dim], bias: the Q/K/V projections and the attention), <c>MatMul</c> with W_O and <c>Add</c> of b_O; every
/// tensor bound through an <see cref="OrtIoBinding"/> to preallocated buffers, one intra-op thread.</item>
/// <item><c>Forward2T</c>, <c>OrtAttentionMatMul2T</c>: the same on 2 threads.</item>
/// </list>
/// Each setup checks its output against the float64 layer reference (<see cref="AttentionReference.Forward"/>).
/// FLOPs per call: 4 projections 4·2·S·Dim² (0.604 G) + attention 4·H·S²·dh (0.050 G) = 0.654 GFLOP at this shape.
/// </summary>
[MemoryDiagnoser]
public class ProjectionBenchmarks
{
    private const int S = H12_S128_D64_Layer.SeqLen, D = H12_S128_D64_Layer.Dim, H = H12_S128_D64_Layer.Heads;
    private const double Tolerance = 1e-4;

    private float[] _x = null!, _output = null!;
    private float[] _q = null!, _k = null!, _v = null!, _context = null!;
    private AttentionWeights _weights = null!;
    private OrtLayer? _ort;

    private void Prepare()
    {
        var rng = new Random(20261122);
        float[] Normal(int n, float scale)
        {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            return a;
        }
        _x = Normal(S * D, 1f);
        float w = 1f / MathF.Sqrt(D);
        _weights = new AttentionWeights(D, Normal(D * D, w), Normal(D * D, w), Normal(D * D, w), Normal(D * D, w),
            Normal(D, 0.1f), Normal(D, 0.1f), Normal(D, 0.1f), Normal(D, 0.1f));
        _output = new float[S * D];
        _q = new float[S * D];
        _k = new float[S * D];
        _v = new float[S * D];
        _context = new float[S * D];
    }

    private void Check(string name)
    {
        double[] expected = new double[S * D];
        AttentionReference.Forward(new AttentionProblem(S, D, H), _x, _x, _weights, expected);
        double error = 0;
        for (int i = 0; i < expected.Length; i++) error = Math.Max(error, Math.Abs(_output[i] - expected[i]));
        Console.WriteLine($"// {name}: max |error| vs float64 = {error:E2}");
        if (!(error <= Tolerance)) throw new InvalidOperationException($"{name}: max |error| {error:E2} > {Tolerance:E0}");
    }

    [GlobalSetup(Target = nameof(Forward))]
    public void SetupForward()
    {
        Prepare();
        Forward();
        Check(nameof(Forward));
    }

    [GlobalSetup(Target = nameof(TensorPrimitivesGemm))]
    public void SetupTensorPrimitivesGemm()
    {
        Prepare();
        TensorPrimitivesGemm();
        Check(nameof(TensorPrimitivesGemm));
    }

    [GlobalSetup(Target = nameof(OrtAttentionMatMul1T))]
    public void SetupOrt()
    {
        Prepare();
        _ort = new OrtLayer(_weights, S, D, H, threads: 1);
        _x.CopyTo(_ort.Input, 0);
        _ort.Run();
        _ort.Output.CopyTo(_output, 0);
        Check(nameof(OrtAttentionMatMul1T));
    }

    [GlobalSetup(Target = nameof(Forward2T))]
    public void SetupForward2T()
    {
        Prepare();
        Forward2T();
        Check(nameof(Forward2T));
    }

    [GlobalSetup(Target = nameof(OrtAttentionMatMul2T))]
    public void SetupOrt2T()
    {
        Prepare();
        _ort = new OrtLayer(_weights, S, D, H, threads: 2);
        _x.CopyTo(_ort.Input, 0);
        _ort.Run();
        _ort.Output.CopyTo(_output, 0);
        Check(nameof(OrtAttentionMatMul2T));
    }

    [GlobalCleanup]
    public void Cleanup() => _ort?.Dispose();

    private static readonly System.Threading.Tasks.ParallelOptions s_two = new() { MaxDegreeOfParallelism = 2 };

    /// <summary>The generated <c>Forward</c> on 2 threads (each projection in strips of columns, the attention in head × row-block units).</summary>
    [Benchmark]
    public void Forward2T() => H12_S128_D64_Layer.Forward(_x, _weights, _output, s_two);

    /// <summary>ONNX Runtime's layer with 2 intra-op threads.</summary>
    [Benchmark]
    public void OrtAttentionMatMul2T() => _ort!.Run();

    [Benchmark(Baseline = true)]
    public void Forward() => H12_S128_D64_Layer.Forward(_x, _weights, _output);

    [Benchmark]
    public void TensorPrimitivesGemm()
    {
        Gemm(_x, _weights.QueryWeight, _weights.QueryBias, _q);
        Gemm(_x, _weights.KeyWeight, _weights.KeyBias, _k);
        Gemm(_x, _weights.ValueWeight, _weights.ValueBias, _v);
        H12_S128_D64_Layer.Attend(_q, _k, _v, _context);
        Gemm(_context, _weights.OutputWeight, _weights.OutputBias, _output);
    }

    [Benchmark]
    public void OrtAttentionMatMul1T() => _ort!.Run();

    /// <summary>C[S, D] = A[S, D]·W[D, D] + b, row by row: C_i = b, then C_i += A[i, t]·W_t for every t.</summary>
    private static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> c)
    {
        for (int i = 0; i < S; i++)
        {
            Span<float> ci = c.Slice(i * D, D);
            bias.CopyTo(ci);
            for (int t = 0; t < D; t++)
            {
                TensorPrimitives.MultiplyAdd(w.Slice(t * D, D), a[i * D + t], ci, ci);
            }
        }
    }

    /// <summary>ONNX Runtime's layer: Attention (com.microsoft) → MatMul(W_O) → Add(b_O), all inputs bound.</summary>
    private sealed class OrtLayer : IDisposable
    {
        private readonly SessionOptions _options;
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly OrtIoBinding _binding;
        private readonly List<OrtValue> _values = [];

        public OrtLayer(AttentionWeights weights, int seqLen, int dim, int heads, int threads = 1)
        {
            Input = new float[seqLen * dim];
            Output = new float[seqLen * dim];
            // Attention's weights are [Dim, 3·Dim] ([in, out], Q | K | V along the columns), bias [3·Dim].
            float[] qkv = new float[dim * 3 * dim], qkvBias = new float[3 * dim];
            for (int i = 0; i < dim; i++)
            {
                weights.QueryWeight.Slice(i * dim, dim).CopyTo(qkv.AsSpan(i * 3 * dim, dim));
                weights.KeyWeight.Slice(i * dim, dim).CopyTo(qkv.AsSpan(i * 3 * dim + dim, dim));
                weights.ValueWeight.Slice(i * dim, dim).CopyTo(qkv.AsSpan(i * 3 * dim + 2 * dim, dim));
            }
            weights.QueryBias.CopyTo(qkvBias);
            weights.KeyBias.CopyTo(qkvBias.AsSpan(dim));
            weights.ValueBias.CopyTo(qkvBias.AsSpan(2 * dim));
            float[] wo = weights.OutputWeight.ToArray(), bo = weights.OutputBias.ToArray();

            _options = new SessionOptions
            {
                IntraOpNumThreads = threads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            _session = new InferenceSession(BuildModel(seqLen, dim, heads), _options);
            _binding = _session.CreateIoBinding();
            Bind("input", Input, [1, seqLen, dim]);
            Bind("qkv_weight", qkv, [dim, 3 * dim]);
            Bind("qkv_bias", qkvBias, [3 * dim]);
            Bind("out_weight", wo, [dim, dim]);
            Bind("out_bias", bo, [dim]);
            var output = OrtValue.CreateTensorValueFromMemory(Output, [1, seqLen, dim]);
            _values.Add(output);
            _binding.BindOutput("output", output);
        }

        public float[] Input { get; }

        public float[] Output { get; }

        public void Run() => _session.RunWithBinding(_runOptions, _binding);

        private void Bind(string name, float[] data, long[] shape)
        {
            var value = OrtValue.CreateTensorValueFromMemory(data, shape);
            _values.Add(value);
            _binding.BindInput(name, value);
        }

        public void Dispose()
        {
            _binding.Dispose();
            foreach (OrtValue v in _values) v.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
            _options.Dispose();
        }

        /// <summary>The three-node ModelProto (field numbers as in <see cref="OnnxModelBuilder"/>).</summary>
        private static byte[] BuildModel(int seqLen, int dim, int heads)
        {
            static ProtoWriter Node(string op, string domain, string[] inputs, string[] outputs, params ProtoWriter[] attributes)
            {
                var node = new ProtoWriter();
                foreach (string i in inputs) node.String(1, i);
                foreach (string o in outputs) node.String(2, o);
                node.String(3, op + "_0").String(4, op);
                foreach (ProtoWriter a in attributes) node.Message(5, a);
                if (domain.Length > 0) node.String(7, domain);
                return node;
            }
            static ProtoWriter ValueInfo(string name, params long[] shape)
            {
                var dims = new ProtoWriter();
                foreach (long d in shape) dims.Message(1, new ProtoWriter().Int(1, d));
                var tensor = new ProtoWriter().Int(1, 1 /* FLOAT */).Message(2, dims);
                return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensor));
            }

            var graph = new ProtoWriter()
                .Message(1, Node("Attention", "com.microsoft", ["input", "qkv_weight", "qkv_bias"], ["context"],
                    new ProtoWriter().String(1, "num_heads").Int(3, heads).Int(20, 2)))
                .Message(1, Node("MatMul", "", ["context", "out_weight"], ["projected"]))
                .Message(1, Node("Add", "", ["projected", "out_bias"], ["output"]))
                .String(2, "attention_layer")
                .Message(11, ValueInfo("input", 1, seqLen, dim))
                .Message(11, ValueInfo("qkv_weight", dim, 3 * dim))
                .Message(11, ValueInfo("qkv_bias", 3 * dim))
                .Message(11, ValueInfo("out_weight", dim, dim))
                .Message(11, ValueInfo("out_bias", dim))
                .Message(12, ValueInfo("output", 1, seqLen, dim));
            return new ProtoWriter().Int(1, 11).String(2, "AttentionGen.Bench").Message(7, graph)
                .Message(8, new ProtoWriter().Int(2, 23))
                .Message(8, new ProtoWriter().String(1, "com.microsoft").Int(2, 1))
                .ToArray();
        }
    }
}
