using System;

namespace AttentionGen;

/// <summary>
/// Asks the AttentionGen source generator to emit a self-attention kernel specialised for one shape
/// on the <c>partial struct</c> it decorates.
/// </summary>
/// <remarks>
/// <para>
/// Every matrix is row-major <c>[SeqLen, Dim]</c>; head <c>h</c> owns the columns
/// <c>[h·HeadDim, (h+1)·HeadDim)</c> with <c>HeadDim = Dim / Heads</c>. For each head the kernel computes
/// <c>O_h = softmax(Q_h K_hᵀ · Scale) V_h</c> with a numerically stable row-wise softmax.
/// </para>
/// <example>
/// <code>
/// [Attention(seqLen: 128, dim: 768, heads: 12)]        // 12 heads of 64, scale 1/√64
/// public partial struct EncoderAttention { }
///
/// EncoderAttention.Attend(q, k, v, output);            // spans of 128·768 floats
/// </code>
/// </example>
/// </remarks>
// Class and Interface are accepted by the compiler on purpose: the AttentionGen analyzer then reports AG0009
// ("applies only to a plain partial struct … declare it as 'partial struct X'"), which says more than CS0592.
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class | AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class AttentionAttribute : Attribute
{
    /// <summary>Declares the shape of the attention layer.</summary>
    /// <param name="seqLen">Number of query rows (and of key/value rows), at least 1.</param>
    /// <param name="dim">Model dimension: columns of every input and of the output, at least 1.</param>
    /// <param name="heads">Number of heads; must divide <paramref name="dim"/>.</param>
    public AttentionAttribute(int seqLen, int dim, int heads = 1)
    {
        SeqLen = seqLen;
        Dim = dim;
        Heads = heads;
    }

    /// <summary>Number of query rows.</summary>
    public int SeqLen { get; }

    /// <summary>Model dimension (columns of q, k, v and output).</summary>
    public int Dim { get; }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>When true, query row <c>i</c> attends only to keys <c>j ≤ i</c>.</summary>
    public bool Causal { get; set; }

    /// <summary>
    /// Factor applied to every score before the softmax. <see cref="float.NaN"/> (the default) means
    /// <c>1/√HeadDim</c>; <c>1f</c> gives the parameter-free form <c>softmax(X Xᵀ) X</c>.
    /// </summary>
    public float Scale { get; set; } = float.NaN;
}
