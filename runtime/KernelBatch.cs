using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AttentionGen.Runtime;

/// <summary>Argument validation of the generated batch entry points (<c>AttendBatch</c>, <c>SelfAttendBatch</c>). Throws before anything is written.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelBatch
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="batch"/> ≥ 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Count(int batch)
    {
        if (batch < 1)
        {
            ThrowCount(batch);
        }
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="actual"/> equals <paramref name="batch"/> ×
    /// <paramref name="perSequence"/> (computed in 64 bits, so a large batch cannot overflow into a match).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length(int actual, int batch, int perSequence, string paramName, string shape)
    {
        if (actual != (long)batch * perSequence)
        {
            ThrowLength(actual, batch, perSequence, paramName, shape);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowCount(int batch) =>
        throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be at least 1.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int batch, int perSequence, string paramName, string shape) =>
        throw new ArgumentException(
            $"'{paramName}' must hold exactly batch × {perSequence} = {(long)batch * perSequence} floats (batch {batch}; {shape}) but holds {actual}.", paramName);
}
