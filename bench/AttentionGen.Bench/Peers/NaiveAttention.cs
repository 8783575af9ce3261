using System;

namespace AttentionGen.Bench.Peers;

/// <summary>Plain scalar C#: one query row at a time, MathF.Exp, no vectorisation.</summary>
public sealed class NaiveAttention : IAttentionPeer
{
    private readonly int _heads, _seqLen, _headDim, _dim;
    private readonly bool _causal;
    private readonly float _scale;
    private readonly float[] _scores;

    public NaiveAttention(int heads, int seqLen, int headDim, bool causal, float? scale = null)
    {
        _heads = heads;
        _seqLen = seqLen;
        _headDim = headDim;
        _dim = heads * headDim;
        _causal = causal;
        _scale = scale ?? 1f / MathF.Sqrt(headDim);
        _scores = new float[seqLen];
    }

    public string Name => "Naive";

    public void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        PeerArgs.Check(_seqLen * _dim, q, k, v, output);
        float[] scores = _scores;
        int dim = _dim, dh = _headDim;
        for (int h = 0; h < _heads; h++)
        {
            int c0 = h * dh;
            for (int i = 0; i < _seqLen; i++)
            {
                int n = _causal ? i + 1 : _seqLen;
                float max = float.NegativeInfinity;
                for (int j = 0; j < n; j++)
                {
                    float dot = 0;
                    for (int d = 0; d < dh; d++)
                    {
                        dot += q[i * dim + c0 + d] * k[j * dim + c0 + d];
                    }

                    float s = dot * _scale;
                    scores[j] = s;
                    if (s > max)
                    {
                        max = s;
                    }
                }

                float sum = 0;
                for (int j = 0; j < n; j++)
                {
                    float p = MathF.Exp(scores[j] - max);
                    scores[j] = p;
                    sum += p;
                }

                float inv = 1f / sum;
                for (int d = 0; d < dh; d++)
                {
                    float acc = 0;
                    for (int j = 0; j < n; j++)
                    {
                        acc += scores[j] * v[j * dim + c0 + d];
                    }

                    output[i * dim + c0 + d] = acc * inv;
                }
            }
        }
    }

    public void Dispose()
    {
    }
}
