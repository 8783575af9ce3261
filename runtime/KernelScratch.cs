using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AttentionGen.Runtime;

/// <summary>
/// Per-thread scratch memory for generated kernels (packed key panels, score rows). Grows to the
/// largest size any kernel on the thread has asked for and is then reused: no allocation per call
/// once a thread has run its largest kernel.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelScratch
{
    [ThreadStatic]
    private static float[]? t_buffer;

    /// <summary>
    /// Returns a reference to at least <paramref name="length"/> floats of this thread's scratch memory.
    /// The contents are unspecified. The memory stays valid until the next call on the same thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Get(int length) => ref Get(ref t_buffer, length);

    /// <summary>The same for another thread-static buffer (<paramref name="slot"/>), e.g. <see cref="ProjectionScratch"/>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref float Get(ref float[]? slot, int length)
    {
        float[]? buffer = slot;
        if (buffer is null || buffer.Length < length + SlackFloats)
        {
            buffer = Grow(ref slot, length);
        }
        // The buffer is pinned (it never moves), so the offset that puts its start on a 64-byte boundary is fixed: packed
        // panels, score rows and the values a kernel loads as whole vectors then never straddle two cache lines.
        ref float data = ref MemoryMarshal.GetArrayDataReference(buffer);
        return ref Unsafe.Add(ref data, AlignOffset(ref data));
    }

    /// <summary>Floats of slack for the alignment offset (64 bytes).</summary>
    private const int AlignFloats = 16;

    /// <summary>
    /// Floats a buffer holds past the length asked for: the alignment offset and 64 floats that let vector loads of a last
    /// partial panel stay inside the array. A reused buffer must have them too, not only a new one.
    /// </summary>
    private const int SlackFloats = 64 + AlignFloats;

    /// <summary>Floats from <paramref name="data"/> to the next 64-byte boundary (0-15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int AlignOffset(ref float data) => (int)((0 - (nuint)Unsafe.AsPointer(ref data)) & 63) >> 2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float[] Grow(ref float[]? slot, int length)
    {
        // Round up to 4 KiB of floats so shapes of similar size share one buffer.
        int size = checked(((length + SlackFloats + 1023) / 1024) * 1024);
        float[] buffer = GC.AllocateUninitializedArray<float>(size, pinned: true);
        slot = buffer;
        return buffer;
    }
}
