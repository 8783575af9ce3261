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

    /// <summary>
    /// Key/value rows, for cross-attention (queries from one sequence, keys and values from another): k and v are
    /// <c>[KeyLen, KvHeads·HeadDim]</c>. 0 (the default) means <c>SeqLen</c>; written explicitly it must be ≥ 1 (AG0002).
    /// </summary>
    public int KeyLen { get; set; }

    /// <summary>
    /// Where the causal diagonal and the window centre sit when <see cref="KeyLen"/> ≠ SeqLen:
    /// <see cref="AttentionGen.CausalAlignment.TopLeft"/> (the default, PyTorch's) or
    /// <see cref="AttentionGen.CausalAlignment.BottomRight"/> (the KV-cache convention: the last query sees every key).
    /// </summary>
    public CausalAlignment CausalAlignment { get; set; }

    /// <summary>
    /// Local (sliding-window) attention: row <c>i</c> sees keys with <c>|i − j| ≤ Window</c> (with <see cref="Causal"/>:
    /// <c>i − Window ≤ j ≤ i</c>), shifted by the alignment offset in cross-attention. Key blocks outside the band
    /// are never computed, so the cost grows as SeqLen·Window. <see cref="int.MaxValue"/> (the default) means no
    /// window; it must be ≥ 0 (AG0014).
    /// </summary>
    public int Window { get; set; } = int.MaxValue;

    /// <summary>
    /// Key/value heads for grouped-query attention (1 = multi-query): k and v have <c>KvHeads·HeadDim</c> columns and
    /// query head <c>h</c> reads key/value head <c>h / (Heads / KvHeads)</c>. 0 (the default) means <c>Heads</c>;
    /// it must divide <c>Heads</c> (AG0015).
    /// </summary>
    public int KvHeads { get; set; }

    /// <summary>
    /// Softcap <c>c</c>: each scaled score <c>s</c> becomes <c>c·tanh(s/c)</c> before masking (Gemma-style). 0 (the
    /// default) means none; otherwise it must be positive and finite (AG0016).
    /// </summary>
    public float Softcap { get; set; }

    /// <summary>
    /// Generates <c>Forward(x, AttentionWeights, output)</c> for the whole layer: Q/K/V projections with bias,
    /// multi-head attention and the output projection, as shape-specialised register-tiled GEMMs.
    /// </summary>
    public bool Projections { get; set; }
}
