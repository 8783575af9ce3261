using System;

namespace AttentionGen;

/// <summary>
/// Implemented by the generator on every <c>[Attention]</c> struct, so generic code (a model built from
/// layers, a benchmark harness) can take any kernel as a type parameter without reflection:
/// <c>static void Run&lt;TKernel&gt;(...) where TKernel : IAttentionKernel&lt;TKernel&gt;</c>.
/// </summary>
/// <typeparam name="TSelf">The kernel struct itself.</typeparam>
public interface IAttentionKernel<TSelf> where TSelf : IAttentionKernel<TSelf>
{
    /// <summary>Number of query rows.</summary>
    static abstract int SeqLen { get; }

    /// <summary>Model dimension.</summary>
    static abstract int Dim { get; }

    /// <summary>Number of heads.</summary>
    static abstract int Heads { get; }

    /// <summary>Columns per head (<c>Dim / Heads</c>).</summary>
    static abstract int HeadDim { get; }

    /// <summary>Whether the kernel is causal.</summary>
    static abstract bool Causal { get; }

    /// <summary>The factor applied to the scores.</summary>
    static abstract float Scale { get; }

    /// <summary>Multi-head attention over q, k, v (each <c>[SeqLen, Dim]</c>) into output <c>[SeqLen, Dim]</c>.</summary>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);

    /// <summary>Self-attention: <c>Attend(x, x, x, output)</c>.</summary>
    static abstract void SelfAttend(ReadOnlySpan<float> x, Span<float> output);

    /// <summary>As <see cref="Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, on up to <paramref name="maxDegreeOfParallelism"/> threads (bit-identical results).</summary>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int maxDegreeOfParallelism);

    /// <summary>As <see cref="SelfAttend(ReadOnlySpan{float}, Span{float})"/>, on up to <paramref name="maxDegreeOfParallelism"/> threads (bit-identical results).</summary>
    static abstract void SelfAttend(ReadOnlySpan<float> x, Span<float> output, int maxDegreeOfParallelism);

    /// <summary>
    /// Infrastructure for the parallel overloads: computes part <paramref name="part"/> of
    /// <paramref name="parts"/> on inputs that were already validated. Not for direct use.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    static abstract void RunPart(ref float q, ref float k, ref float v, ref float output, int part, int parts);
}
