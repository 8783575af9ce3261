using System;

namespace AttentionGen.Bench;

/// <summary>
/// An attention implementation following the common contract: q, k, v, o are float32 row-major [S, Dim],
/// head h owns columns [h*dh, (h+1)*dh); O_h = softmax(scale * Q_h K_h^T) V_h, causal = top-left (j &lt;= i).
/// Shape, causality and scale are fixed when the peer is constructed; Run must not allocate.
/// </summary>
public interface IAttentionPeer : IDisposable
{
    string Name { get; }

    void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);
}

internal static class PeerArgs
{
    public static void Check(int elements, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        if (q.Length < elements || k.Length < elements || v.Length < elements || output.Length < elements)
        {
            throw new ArgumentException($"q, k, v and output must each hold at least S*Dim = {elements} floats.");
        }
    }
}
