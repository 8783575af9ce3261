using System.Linq;
using AttentionGen.Runtime;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The finiteness checks that send a call to the exact P·V path: <see cref="KernelPacking.PackRows"/> (which reports it while
/// it copies a head's values) and <see cref="KernelMasking.AllFinite"/> (values read in place). A causal kernel's P·V
/// multiplies the exact zeros past each row's last key by their values, so a missed ∞ or NaN would leak into earlier rows.
/// </summary>
public sealed class FiniteValuesTests
{
    public static TheoryData<int> Columns() => new() { 1, 7, 8, 17, 64, 70 };

    [Theory, MemberData(nameof(Columns))]
    public void EveryNonFiniteValueIsSeenWhereverItIs(int cols)
    {
        const int rows = 5, stride = 80, padded = 72;
        float[] src = Enumerable.Range(0, rows * stride).Select(i => (i % 13 - 6) * 1e37f).ToArray();   // large but finite
        src[3] = -0f;
        float[] dst = new float[rows * padded];
        Assert.True(KernelPacking.PackRows(ref src[0], stride, rows, cols, padded, ref dst[0]));
        Assert.True(KernelMasking.AllFinite(ref src[0], rows, cols, stride));
        for (int j = 0; j < rows; j++)
        {
            for (int c = 0; c < padded; c++)
            {
                Assert.Equal(c < cols ? src[j * stride + c] : 0f, dst[j * padded + c]);   // copied, the padding cleared
            }
        }

        foreach (float bad in new[] { float.PositiveInfinity, float.NegativeInfinity, float.NaN })
        {
            for (int j = 0; j < rows; j++)
            {
                for (int c = 0; c < cols; c++)
                {
                    float keep = src[j * stride + c];
                    src[j * stride + c] = bad;
                    Assert.False(KernelPacking.PackRows(ref src[0], stride, rows, cols, padded, ref dst[0]), $"PackRows missed {bad} at row {j}, column {c} of {cols}");
                    Assert.False(KernelMasking.AllFinite(ref src[0], rows, cols, stride), $"AllFinite missed {bad} at row {j}, column {c} of {cols}");
                    src[j * stride + c] = keep;
                }
            }
        }

        // Values past the columns or the rows asked for are not looked at.
        src[cols] = float.NaN;
        src[rows * stride - 1] = float.PositiveInfinity;
        Assert.True(KernelPacking.PackRows(ref src[0], stride, rows - 1, cols, padded, ref dst[0]));
        Assert.True(KernelMasking.AllFinite(ref src[0], rows - 1, cols, stride));
    }
}
