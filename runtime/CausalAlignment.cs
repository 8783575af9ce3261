namespace AttentionGen;

/// <summary>
/// Where the causal diagonal (and the centre of a <see cref="AttentionAttribute.Window"/>) sits when the number of
/// keys differs from the number of queries (cross-attention, <see cref="AttentionAttribute.KeyLen"/> ≠ SeqLen).
/// </summary>
/// <remarks>
/// Query row <c>i</c> is aligned with key <c>i + offset</c>: <c>offset = 0</c> for <see cref="TopLeft"/> and
/// <c>offset = KeyLen − SeqLen</c> for <see cref="BottomRight"/>. With <c>Causal</c>, row <c>i</c> sees keys
/// <c>j ≤ i + offset</c>; with <c>Window = w</c> it sees <c>|i + offset − j| ≤ w</c>. When SeqLen = KeyLen the two
/// alignments are the same.
/// </remarks>
public enum CausalAlignment
{
    /// <summary>Row i is aligned with key i (PyTorch's <c>is_causal=True</c> and the default).</summary>
    TopLeft = 0,

    /// <summary>
    /// The last query row is aligned with the last key: row i is aligned with key <c>i + KeyLen − SeqLen</c>
    /// (the KV-cache convention, PyTorch's <c>causal_lower_right</c>: new queries see every cached key).
    /// </summary>
    BottomRight = 1,
}
