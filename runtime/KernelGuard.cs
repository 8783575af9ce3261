using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AttentionGen.Runtime;

/// <summary>Argument validation used by generated entry points. Throws before anything is written.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelGuard
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, int expected, string paramName, string shape, string unit = "floats")
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, paramName, shape, unit);
        }
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless 1 ≤ <paramref name="validKeys"/> ≤ <paramref name="keyLen"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ValidKeys(int validKeys, int keyLen)
    {
        if ((uint)(validKeys - 1) >= (uint)keyLen)
        {
            ThrowValidKeys(validKeys, keyLen);
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless a bit mask is <c>[seqLen, keyLen]</c>.</summary>
    public static void MaskShape(int rows, int cols, int seqLen, int keyLen)
    {
        if (rows != seqLen || cols != keyLen)
        {
            throw new ArgumentException(
                $"'mask' is a [{rows}, {cols}] bit mask but the kernel needs [SeqLen={seqLen}, KeyLen={keyLen}] (one row per query, one bit per key).", "mask");
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowValidKeys(int validKeys, int keyLen) =>
        throw new ArgumentOutOfRangeException(nameof(validKeys), validKeys,
            $"'validKeys' must be between 1 and KeyLen={keyLen} (the number of real keys; keys at or past it are masked) but is {validKeys}.");

    /// <summary>Throws <see cref="ArgumentException"/> if an input and the output share memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NoOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string inputName, string outputName)
    {
        if (input.Overlaps(output))
        {
            ThrowOverlap(inputName, outputName);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int expected, string paramName, string shape, string unit) =>
        throw new ArgumentException(
            $"'{paramName}' must hold exactly {expected} {unit} ({shape}) but holds {actual}.", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException(
            $"'{outputName}' overlaps '{inputName}': the kernel writes the output while it still reads the inputs, " +
            "so the output must be a separate buffer.", outputName);
}
