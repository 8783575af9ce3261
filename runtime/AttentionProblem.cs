using System;

namespace AttentionGen;

/// <summary>
/// The shape and options of one attention problem at run time: what an <c>[Attention]</c> declaration fixes at
/// compile time (a generated kernel exposes its own as <c>Problem</c>), for the float64
/// <see cref="AttentionReference"/> and the scalar path.
/// </summary>
/// <remarks>
/// Query row <c>i</c> of head <c>h</c> sees key <c>j</c> when every one of these holds (see <see cref="VisibleKeys"/>):
/// <c>j &lt; validKeys</c> (key padding); with <see cref="Causal"/>, <c>j ≤ i + offset</c>; with a
/// <see cref="Window"/> <c>w</c>, <c>j ≥ i + offset − w</c> and (without Causal) <c>j ≤ i + offset + w</c>; and the
/// mask, if any, allows it. <c>offset</c> is <see cref="AlignmentOffset"/>. The score of a visible key is
/// <c>s = Scale · q·k</c>, then <c>Softcap · tanh(s / Softcap)</c> when a softcap is set, then plus the additive mask.
/// Query head <c>h</c> reads key/value head <c>h / (Heads / KvHeads)</c>. A row that sees no key gives zeros.
/// </remarks>
public readonly record struct AttentionProblem
{
    /// <summary>A problem with <paramref name="seqLen"/> queries and keys, <paramref name="dim"/> columns and <paramref name="heads"/> heads; everything else at its default.</summary>
    public AttentionProblem(int seqLen, int dim, int heads = 1)
    {
        SeqLen = seqLen;
        KeyLen = seqLen;
        Dim = dim;
        Heads = heads;
        KvHeads = heads;
    }

    /// <summary>Query rows.</summary>
    public int SeqLen { get; init; }

    /// <summary>Key and value rows (= SeqLen for self-attention).</summary>
    public int KeyLen { get; init; }

    /// <summary>Columns of the queries and of the output (Heads · HeadDim).</summary>
    public int Dim { get; init; }

    /// <summary>Query heads.</summary>
    public int Heads { get; init; }

    /// <summary>Key/value heads (grouped-query attention when fewer than <see cref="Heads"/>; 1 = multi-query).</summary>
    public int KvHeads { get; init; }

    /// <summary>Row i sees only keys j ≤ i + <see cref="AlignmentOffset"/>.</summary>
    public bool Causal { get; init; }

    /// <summary>Where the diagonal sits when KeyLen ≠ SeqLen.</summary>
    public CausalAlignment Alignment { get; init; }

    /// <summary>Sliding-window half-width (keys within <c>w</c> of the aligned position); <see cref="int.MaxValue"/> (the default) for none.</summary>
    public int Window { get; init; } = int.MaxValue;

    /// <summary>Factor applied to the scores; <see cref="float.NaN"/> (the default) means 1/√HeadDim.</summary>
    public float Scale { get; init; } = float.NaN;

    /// <summary>Softcap <c>c</c> (scores become <c>c·tanh(s/c)</c>); 0 (the default) for none.</summary>
    public float Softcap { get; init; }

    /// <summary>Columns per head.</summary>
    public int HeadDim => Dim / Heads;

    /// <summary>Columns of k and v (KvHeads · HeadDim).</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>The scale actually applied (1/√HeadDim when <see cref="Scale"/> is NaN).</summary>
    public float EffectiveScale => float.IsNaN(Scale) ? 1f / MathF.Sqrt(HeadDim) : Scale;

    /// <summary>0 for <see cref="CausalAlignment.TopLeft"/>, KeyLen − SeqLen for <see cref="CausalAlignment.BottomRight"/>.</summary>
    public int AlignmentOffset => Alignment == CausalAlignment.BottomRight ? KeyLen - SeqLen : 0;

    /// <summary>Throws when the problem is not one a kernel can be declared for.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or option is out of range; the message names it and what is allowed.</exception>
    public void Validate()
    {
        if (SeqLen <= 0) throw new ArgumentOutOfRangeException(nameof(SeqLen), SeqLen, "SeqLen must be at least 1.");
        if (KeyLen <= 0) throw new ArgumentOutOfRangeException(nameof(KeyLen), KeyLen, "KeyLen must be at least 1.");
        if (Dim <= 0) throw new ArgumentOutOfRangeException(nameof(Dim), Dim, "Dim must be at least 1.");
        if (Heads <= 0 || Dim % Heads != 0) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, $"Heads must be at least 1 and divide Dim ({Dim}).");
        if (KvHeads <= 0 || Heads % KvHeads != 0) throw new ArgumentOutOfRangeException(nameof(KvHeads), KvHeads, $"KvHeads must be at least 1 and divide Heads ({Heads}).");
        if (float.IsInfinity(Scale)) throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "Scale must be finite (NaN for the default 1/√HeadDim).");
        if (Window < 0) throw new ArgumentOutOfRangeException(nameof(Window), Window, "Window must be at least 0 (int.MaxValue for none).");
        if (Softcap < 0 || float.IsNaN(Softcap) || float.IsInfinity(Softcap)) throw new ArgumentOutOfRangeException(nameof(Softcap), Softcap, "Softcap must be a positive finite number, or 0 for none.");
        if (Alignment is not (CausalAlignment.TopLeft or CausalAlignment.BottomRight)) throw new ArgumentOutOfRangeException(nameof(Alignment), Alignment, "Alignment must be TopLeft or BottomRight.");
    }

    /// <summary>
    /// The keys row <paramref name="row"/> may see before any mask: <c>[lo, hi)</c>, empty (<c>hi ≤ lo</c>) when
    /// the row sees none. <paramref name="validKeys"/> is the key-padding length (KeyLen for none).
    /// </summary>
    public void VisibleKeys(int row, int validKeys, out int lo, out int hi) =>
        KernelBand.Visible(row, KeyLen, validKeys, AlignmentOffset, Causal, Window, out lo, out hi);
}
