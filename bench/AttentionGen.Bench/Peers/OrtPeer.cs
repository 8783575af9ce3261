using System;
using Microsoft.ML.OnnxRuntime;

namespace AttentionGen.Bench.Peers;

/// <summary>Which ONNX Runtime operator the one-node model uses.</summary>
public enum OrtOp
{
    /// <summary>Standard ONNX <c>Attention</c>, opset 23: Q, K, V [1, S, Dim], q_num_heads = kv_num_heads = H.</summary>
    Attention,

    /// <summary><c>com.microsoft.MultiHeadAttention</c> (contrib, version 1): query, key, value [1, S, Dim], num_heads = H.</summary>
    MultiHeadAttention,
}

/// <summary>
/// ONNX Runtime as a peer: a one-node model built in code (<see cref="OnnxModelBuilder"/>), run through an
/// <see cref="OrtIoBinding"/> over preallocated float[] inputs and output, so that a timed call is only
/// <c>session.RunWithBinding(runOptions, binding)</c>.
/// </summary>
public sealed class OrtPeer : IAttentionPeer
{
    private readonly int _elements;
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly OrtIoBinding _binding;
    private readonly OrtValue _qValue, _kValue, _vValue, _oValue;

    public OrtPeer(OrtOp op, int heads, int seqLen, int headDim, bool causal, int intraOpThreads, float? scale = null)
    {
        Op = op;
        Threads = intraOpThreads;
        int dim = heads * headDim;
        _elements = seqLen * dim;
        Q = new float[_elements];
        K = new float[_elements];
        V = new float[_elements];
        Output = new float[_elements];
        ModelBytes = BuildModel(op, heads, seqLen, headDim, causal, scale ?? 1f / MathF.Sqrt(headDim));

        _options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(ModelBytes, _options);
            _runOptions = new RunOptions();
            _binding = _session.CreateIoBinding();
            long[] shape = [1, seqLen, dim];
            _qValue = OrtValue.CreateTensorValueFromMemory(Q, shape);
            _kValue = OrtValue.CreateTensorValueFromMemory(K, shape);
            _vValue = OrtValue.CreateTensorValueFromMemory(V, shape);
            _oValue = OrtValue.CreateTensorValueFromMemory(Output, shape);
            string[] names = op == OrtOp.Attention ? ["Q", "K", "V", "Y"] : ["query", "key", "value", "output"];
            _binding.BindInput(names[0], _qValue);
            _binding.BindInput(names[1], _kValue);
            _binding.BindInput(names[2], _vValue);
            _binding.BindOutput(names[3], _oValue);
        }
        catch
        {
            DisposeAll();
            throw;
        }
    }

    public OrtOp Op { get; }

    public int Threads { get; }

    public string Name => $"Ort{(Op == OrtOp.Attention ? "Attention" : "Mha")}{Threads}T";

    /// <summary>The serialized one-node ModelProto.</summary>
    public byte[] ModelBytes { get; }

    /// <summary>Bound input buffers [1, S, Dim]: fill them, then call <see cref="RunBound"/>.</summary>
    public float[] Q { get; }

    public float[] K { get; }

    public float[] V { get; }

    /// <summary>Bound output buffer [1, S, Dim].</summary>
    public float[] Output { get; }

    /// <summary>The timed call: runs the session over the bound, preallocated buffers.</summary>
    public void RunBound() => _session.RunWithBinding(_runOptions, _binding);

    /// <summary>Copies the inputs into the bound buffers, runs, and copies the result out (for checking).</summary>
    public void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        PeerArgs.Check(_elements, q, k, v, output);
        SetInputs(q, k, v);
        RunBound();
        Output.AsSpan().CopyTo(output);
    }

    public void SetInputs(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v)
    {
        q[.._elements].CopyTo(Q);
        k[.._elements].CopyTo(K);
        v[.._elements].CopyTo(V);
    }

    public void Dispose() => DisposeAll();

    private void DisposeAll()
    {
        _binding?.Dispose();
        _qValue?.Dispose();
        _kValue?.Dispose();
        _vValue?.Dispose();
        _oValue?.Dispose();
        _runOptions?.Dispose();
        _session?.Dispose();
        _options.Dispose();
    }

    public static byte[] BuildModel(OrtOp op, int heads, int seqLen, int headDim, bool causal, float scale)
    {
        long dim = (long)heads * headDim;
        var b = new OnnxModelBuilder();
        if (op == OrtOp.Attention)
        {
            b.Opset("", 23)
                .Op("Attention")
                .Input("Q", 1, seqLen, dim).Input("K", 1, seqLen, dim).Input("V", 1, seqLen, dim)
                .Output("Y", 1, seqLen, dim)
                .Attr("q_num_heads", heads)
                .Attr("kv_num_heads", heads)
                .Attr("is_causal", causal ? 1L : 0L)
                .Attr("scale", scale);
        }
        else
        {
            b.Opset("", 23).Opset("com.microsoft", 1)
                .Op("MultiHeadAttention", "com.microsoft")
                .Input("query", 1, seqLen, dim).Input("key", 1, seqLen, dim).Input("value", 1, seqLen, dim)
                .Output("output", 1, seqLen, dim)
                .Attr("num_heads", heads)
                .Attr("scale", scale);
            if (causal)
            {
                b.Attr("unidirectional", 1L);
            }
        }

        return b.Build();
    }
}
