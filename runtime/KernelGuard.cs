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
    public static void Length(int actual, int expected, string paramName, string shape)
    {
        if (actual != expected)
        {
            ThrowLength(actual, expected, paramName, shape);
        }
    }

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
    private static void ThrowLength(int actual, int expected, string paramName, string shape) =>
        throw new ArgumentException(
            $"'{paramName}' must hold exactly {expected} floats ({shape}) but holds {actual}.", paramName);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOverlap(string inputName, string outputName) =>
        throw new ArgumentException(
            $"'{outputName}' overlaps '{inputName}': the kernel writes the output while it still reads the inputs, " +
            "so the output must be a separate buffer.", outputName);
}
