using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Runtime;

/// <summary>Writes attention probabilities for the overloads that return them.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelWeights
{
    /// <summary>
    /// <c>dst[j] = row[j] · scale</c> for <c>j &lt; end</c> and 0 for <c>end ≤ j &lt; keyLen</c>: one row of
    /// post-softmax probabilities, from the row of <c>exp(s − max)</c> and <c>scale = 1/Σ</c>.
    /// </summary>
    public static void StoreRow(ref float row, int end, float scale, ref float dst, int keyLen)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> f = Vector256.Create(scale);
            for (; j + 8 <= end; j += 8)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref row, (nuint)j) * f, ref dst, (nuint)j);
            }
        }
        for (; j < end; j++)
        {
            Unsafe.Add(ref dst, j) = Unsafe.Add(ref row, j) * scale;
        }
        for (; j < keyLen; j++)
        {
            Unsafe.Add(ref dst, j) = 0f;
        }
    }

    /// <summary>
    /// One row of probabilities for a row that sees keys <c>[lo, hi)</c> (a causal or windowed band):
    /// <c>dst[j] = row[j] · scale</c> inside the band and 0 elsewhere in <c>[0, keyLen)</c>.
    /// </summary>
    public static void StoreBand(ref float row, int lo, int hi, float scale, ref float dst, int keyLen)
    {
        for (int j = 0; j < lo; j++)
        {
            Unsafe.Add(ref dst, j) = 0f;
        }
        StoreRow(ref Unsafe.Add(ref row, lo), hi - lo, scale, ref Unsafe.Add(ref dst, lo), keyLen - lo);
    }
}
