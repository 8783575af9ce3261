using System;
using System.Numerics.Tensors;

namespace AttentionGen.Bench.Peers;

/// <summary>
/// System.Numerics.Tensors peer: per head and query row, TensorPrimitives.Dot for each key, then
/// Max / Subtract / Exp / Sum for a numerically stable softmax (TensorPrimitives.SoftMax does not subtract
/// the max, so it is not used), then MultiplyAdd over V rows. Scratch is preallocated: Run does not allocate.
/// </summary>
public sealed class TensorPrimitivesAttention : IAttentionPeer
{
    private readonly int _heads, _seqLen, _headDim, _dim;
    private readonly bool _causal;
    private readonly float _scale;
    private readonly float[] _scores;
    private readonly float[] _acc;

    public TensorPrimitivesAttention(int heads, int seqLen, int headDim, bool causal, float? scale = null)
    {
        _heads = heads;
        _seqLen = seqLen;
        _headDim = headDim;
        _dim = heads * headDim;
        _causal = causal;
        _scale = scale ?? 1f / MathF.Sqrt(headDim);
        _scores = new float[seqLen];
        _acc = new float[headDim];
    }

    public string Name => "TensorPrimitives";

    public void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        PeerArgs.Check(_seqLen * _dim, q, k, v, output);
        int dim = _dim, dh = _headDim;
        Span<float> acc = _acc;
        for (int h = 0; h < _heads; h++)
        {
            int c0 = h * dh;
            for (int i = 0; i < _seqLen; i++)
            {
                int n = _causal ? i + 1 : _seqLen;
                Span<float> s = _scores.AsSpan(0, n);
                ReadOnlySpan<float> qi = q.Slice(i * dim + c0, dh);
                for (int j = 0; j < n; j++)
                {
                    s[j] = TensorPrimitives.Dot(qi, k.Slice(j * dim + c0, dh));
                }

                TensorPrimitives.Multiply(s, _scale, s);
                float max = TensorPrimitives.Max(s);
                TensorPrimitives.Subtract(s, max, s);
                TensorPrimitives.Exp(s, s);
                float sum = TensorPrimitives.Sum(s);

                acc.Clear();
                for (int j = 0; j < n; j++)
                {
                    TensorPrimitives.MultiplyAdd(v.Slice(j * dim + c0, dh), s[j], acc, acc);
                }

                TensorPrimitives.Multiply(acc, 1f / sum, output.Slice(i * dim + c0, dh));
            }
        }
    }

    public void Dispose()
    {
    }
}
