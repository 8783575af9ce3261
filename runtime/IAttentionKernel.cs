using System;

namespace AttentionGen;

/// <summary>
/// Implemented by the generator on every <c>[Attention]</c> struct, so generic code (a model built from
/// layers, a benchmark harness) can take any kernel as a type parameter without reflection:
/// <c>static void Run&lt;TKernel&gt;(...) where TKernel : IAttentionKernel&lt;TKernel&gt;</c>.
/// </summary>
/// <typeparam name="TSelf">The kernel struct itself.</typeparam>
public interface IAttentionKernel<TSelf> : AttentionGen.Runtime.IKernelUnits<TSelf> where TSelf : IAttentionKernel<TSelf>
{
    /// <summary>Number of query rows.</summary>
    static abstract int SeqLen { get; }

    /// <summary>Number of key/value rows (SeqLen unless cross-attention).</summary>
    static abstract int KeyLen { get; }

    /// <summary>Number of key/value heads (Heads unless grouped-query attention).</summary>
    static abstract int KvHeads { get; }

    /// <summary>The kernel's problem (shape and options), for the reference and generic code.</summary>
    static abstract AttentionProblem Problem { get; }

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

    /// <summary>Multi-head attention over q <c>[SeqLen, Dim]</c>, k and v <c>[KeyLen, KvHeads·HeadDim]</c> into output <c>[SeqLen, Dim]</c>.</summary>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);

    /// <summary>As <see cref="Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, on up to <c>parallel.MaxDegreeOfParallelism</c> threads (bit-identical results).</summary>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, System.Threading.Tasks.ParallelOptions parallel);
}

/// <summary>
/// Implemented by the generator on every self-attention kernel (KeyLen = SeqLen and KvHeads = Heads, so one
/// <c>[SeqLen, Dim]</c> sequence can be queries, keys and values at once); cross-attention and grouped-query kernels
/// implement only <see cref="IAttentionKernel{TSelf}"/>.
/// </summary>
/// <typeparam name="TSelf">The kernel struct itself.</typeparam>
public interface ISelfAttentionKernel<TSelf> : IAttentionKernel<TSelf> where TSelf : ISelfAttentionKernel<TSelf>
{
    /// <summary>Self-attention: <c>Attend(x, x, x, output)</c>.</summary>
    static abstract void SelfAttend(ReadOnlySpan<float> x, Span<float> output);

    /// <summary>As <see cref="SelfAttend(ReadOnlySpan{float}, Span{float})"/>, on up to <c>parallel.MaxDegreeOfParallelism</c> threads (bit-identical results).</summary>
    static abstract void SelfAttend(ReadOnlySpan<float> x, Span<float> output, System.Threading.Tasks.ParallelOptions parallel);
}
