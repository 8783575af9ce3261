using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Runtime;

/// <summary>Which mask a call carries besides the shape's causal/window band.</summary>
public enum MaskKind : byte
{
    /// <summary>No mask.</summary>
    None = 0,

    /// <summary>Additive float mask <c>[SeqLen, KeyLen]</c>: added to the scores; −∞ masks the key exactly.</summary>
    Additive = 1,

    /// <summary>Boolean mask <c>[SeqLen, KeyLen]</c>: false masks the key.</summary>
    Allowed = 2,

    /// <summary>Bit-packed mask (<see cref="BitMask"/> layout): a 0 bit masks the key.</summary>
    Bits = 3,
}

/// <summary>
/// The per-call masking of one attention call, as passed from a generated kernel's public overloads to its
/// paths, the scalar path and the float64 reference: key padding (<see cref="ValidKeys"/>) or one
/// <c>[SeqLen, KeyLen]</c> mask, broadcast over heads (the factories make one or the other; the kernels and the
/// reference would honour both). The default value masks nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct KernelMask
{
    private readonly ReadOnlySpan<byte> _data;

    private KernelMask(int validKeys, MaskKind kind, ReadOnlySpan<byte> data, int bytesPerRow)
    {
        ValidKeys = validKeys;
        Kind = kind;
        _data = data;
        BytesPerRow = bytesPerRow;
    }

    /// <summary>Keys at index ≥ ValidKeys are masked; 0 means none are.</summary>
    public int ValidKeys { get; }

    /// <summary>The kind of <c>[SeqLen, KeyLen]</c> mask, if any.</summary>
    public MaskKind Kind { get; }

    /// <summary>Bytes per mask row for <see cref="MaskKind.Bits"/>.</summary>
    public int BytesPerRow { get; }

    /// <summary>Key padding only.</summary>
    public static KernelMask Padding(int validKeys) => new(validKeys, MaskKind.None, default, 0);

    /// <summary>An additive mask (the caller checked its length).</summary>
    public static KernelMask FromAdditive(ReadOnlySpan<float> mask) => new(0, MaskKind.Additive, MemoryMarshal.AsBytes(mask), 0);

    /// <summary>A boolean mask (the caller checked its length).</summary>
    public static KernelMask FromAllowed(ReadOnlySpan<bool> mask) => new(0, MaskKind.Allowed, MemoryMarshal.AsBytes(mask), 0);

    /// <summary>A bit-packed mask.</summary>
    public static KernelMask FromBits(BitMask mask) => new(0, MaskKind.Bits, mask.Bits, mask.BytesPerRow);

    /// <summary>Key padding length for a problem with <paramref name="keyLen"/> keys.</summary>
    public int ValidKeysOr(int keyLen) => ValidKeys == 0 ? keyLen : ValidKeys;

    /// <summary>The additive mask (empty unless <see cref="Kind"/> is <see cref="MaskKind.Additive"/>).</summary>
    public ReadOnlySpan<float> Additive => Kind == MaskKind.Additive ? MemoryMarshal.Cast<byte, float>(_data) : default;

    /// <summary>The boolean mask (empty unless <see cref="Kind"/> is <see cref="MaskKind.Allowed"/>).</summary>
    public ReadOnlySpan<bool> Allowed => Kind == MaskKind.Allowed ? MemoryMarshal.Cast<byte, bool>(_data) : default;

    /// <summary>The packed bits (empty unless <see cref="Kind"/> is <see cref="MaskKind.Bits"/>).</summary>
    public ReadOnlySpan<byte> Bits => Kind == MaskKind.Bits ? _data : default;

    /// <summary>Start of the mask data (a null reference when there is none).</summary>
    public ref byte Data => ref _data.IsEmpty ? ref Unsafe.NullRef<byte>() : ref MemoryMarshal.GetReference(_data);

    /// <summary>True when the <c>[SeqLen, KeyLen]</c> mask (not padding or band) masks key <paramref name="j"/> for row <paramref name="i"/>.</summary>
    public bool Masks(int i, int j, int keyLen) => Kind switch
    {
        MaskKind.Additive => float.IsNegativeInfinity(Additive[i * keyLen + j]),
        MaskKind.Allowed => !Allowed[i * keyLen + j],
        MaskKind.Bits => (_data[i * BytesPerRow + (j >> 3)] >> (j & 7) & 1) == 0,
        _ => false,
    };

    /// <summary>The additive term for row <paramref name="i"/>, key <paramref name="j"/> (0 unless additive).</summary>
    public float Term(int i, int j, int keyLen) => Kind == MaskKind.Additive ? Additive[i * keyLen + j] : 0f;
}
