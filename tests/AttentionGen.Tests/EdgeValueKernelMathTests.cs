using System;
using System.Linq;
using System.Runtime.Intrinsics;
using AttentionGen.Runtime;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// Direct tests of the fast 2^y, the softcap's tanh and the softmax row passes in runtime/KernelMath.cs and
/// runtime/KernelSoftcap.cs, on both vector widths and the scalar pass. They run whatever the hardware (Vector512/Vector256 fall back to software where not
/// accelerated), so the edge semantics are checked on every CI run.
/// </summary>
public sealed class EdgeValueKernelMathTests
{
    private readonly ITestOutputHelper _output;

    public EdgeValueKernelMathTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Widths() => new() { "Vector512", "Vector256" };

    private static double Ulp(float f)
    {
        f = Math.Abs(f);
        return MathF.BitIncrement(f) - f;
    }

    /// <summary>One of the vector functions applied to <paramref name="x"/> (a multiple of 16 floats) on the given width.</summary>
    private static float[] Map(string width, float[] x, Func<Vector512<float>, Vector512<float>> f512, Func<Vector256<float>, Vector256<float>> f256)
    {
        float[] y = new float[x.Length];
        int lanes = width == "Vector512" ? 16 : 8;
        for (int i = 0; i < x.Length; i += lanes)
        {
            if (lanes == 16) f512(Vector512.Create(x.AsSpan(i, 16))).CopyTo(y.AsSpan(i, 16));
            else f256(Vector256.Create(x.AsSpan(i, 8))).CopyTo(y.AsSpan(i, 8));
        }
        return y;
    }

    // ------------------------------------------------------------------ 2^y of the base-2 softmax passes (arguments ≤ 0)

    private static float[] Exp2NonPositive(string width, float[] x) => Map(width, x, KernelMath.Exp2NonPositive, KernelMath.Exp2NonPositive);

    [Theory, MemberData(nameof(Widths))]
    public void Exp2NonPositivePropagatesNaNInEveryLane(string width)
    {
        // The MaxNative clamp must keep NaN (x86 max returns the second operand when one is NaN).
        foreach (float nan in new[] { float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7F80_0001) })
        {
            for (int lane = 0; lane < 16; lane++)
            {
                float[] x = Enumerable.Range(0, 16).Select(i => -0.5f * i).ToArray();
                x[lane] = nan;
                float[] y = Exp2NonPositive(width, x);
                Assert.True(float.IsNaN(y[lane]), $"{width} 2^y: NaN (bits {BitConverter.SingleToInt32Bits(nan):X8}) in lane {lane} gave {y[lane]} [{TestData.ActivePath}]");
                for (int i = 0; i < 16; i++)
                {
                    if (i != lane) Assert.True(float.IsFinite(y[i]) && y[i] > 0, $"{width} 2^y: lane {i} = {y[i]} next to a NaN lane");
                }
            }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Exp2NonPositiveEdgeValues(string width)
    {
        float[] x =
        {
            0f, -0f, -1e-30f, -float.Epsilon, float.NegativeInfinity, float.MinValue, -1e30f, -200f,
            -127f, -126.6f, float.NaN, -float.NaN, -1f, -10f, -126f, -0.5f,
        };
        float[] y = Exp2NonPositive(width, x);
        for (int i = 0; i < 4; i++) Assert.True(y[i] == 1f, $"{width} Exp2NonPositive({x[i]:R}) must be 1, got {y[i]:R}");
        for (int i = 4; i < 10; i++) Assert.True(y[i] == 0f && !float.IsNegative(y[i]), $"{width} Exp2NonPositive({x[i]:R}) must be +0, got {y[i]:R}");
        Assert.True(float.IsNaN(y[10]) && float.IsNaN(y[11]), $"{width} Exp2NonPositive(NaN) must be NaN, got {y[10]}, {y[11]}");
        for (int i = 12; i < 16; i++)
        {
            double exact = Math.Pow(2, x[i]);
            Assert.True(Math.Abs(y[i] - exact) <= 2 * Ulp((float)exact), $"{width} Exp2NonPositive({x[i]:R}) = {y[i]:R}, exact {exact:R}");
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Exp2NonPositiveIsWithinTwoUlpOnTheSoftmaxRange(string width)
    {
        // 2^18 evenly spaced points of [−126, 0] plus every 256th float bit pattern in it (dense near 0, where the
        // polynomial's relative error matters most; every half-integer boundary of the rounding is crossed).
        const int Grid = 1 << 18;
        int patterns = BitConverter.SingleToInt32Bits(126f) / 256;
        int total = (Grid + patterns + 15) & ~15;
        float[] x = new float[total];
        for (int i = 0; i < Grid; i++) x[i] = (float)(-126.0 * i / (Grid - 1));
        for (int i = 0; i < patterns; i++) x[Grid + i] = -BitConverter.Int32BitsToSingle(i * 256);
        float[] y = Exp2NonPositive(width, x);
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i < total; i++)
        {
            double exact = Math.Pow(2, x[i]);
            double ulps = Math.Abs(y[i] - exact) / Ulp((float)exact);
            if (ulps > worst) { worst = ulps; worstX = x[i]; }
        }
        _output.WriteLine($"{width} Exp2NonPositive on [-126, 0], {total} points: max error {worst:F3} ulp at x = {worstX:R}");
        Assert.True(worst <= 2.0, $"{width} Exp2NonPositive: max error {worst:F3} ulp at x = {worstX:R}");
    }

    [Theory, MemberData(nameof(Widths))]
    public void RowMaxMergesTheEpilogueMaximumAndMasksPastTheRow(string width)
    {
        int lanes = width == "Vector512" ? 16 : 8;
        foreach (int valid in new[] { 0, 1, lanes - 1, lanes, lanes + 3, 3 * lanes })
        {
            foreach (int extra in new[] { 0, 5, lanes + 2 })
            {
                int end = valid + extra;
                float[] row = Enumerable.Range(0, 5 * lanes).Select(j => 0.25f * (j % 7) - 1f).ToArray();
                int from = Math.Min(lanes, valid / lanes * lanes);
                float before = from > 0 ? 7f : float.NegativeInfinity;   // the epilogue's maximum over [0, from), a lane-wise vector
                float expected = Math.Max(before, row.Skip(from).Take(valid - from).DefaultIfEmpty(float.NegativeInfinity).Max());
                float got = width == "Vector512"
                    ? KernelMath.RowMax512(ref row[0], Vector512.Create(float.NegativeInfinity).WithElement(3, before), from, valid, end).ToScalar()
                    : KernelMath.RowMax256(ref row[0], Vector256.Create(float.NegativeInfinity).WithElement(3, before), from, valid, end).ToScalar();
                Assert.Equal(expected == float.NegativeInfinity ? 0f : expected, got);
                int masked = (end + lanes - 1) / lanes * lanes;
                for (int j = valid; j < masked; j++) Assert.True(row[j] == float.NegativeInfinity, $"{width} RowMax valid {valid} end {end}: lane {j} = {row[j]}, must be −∞");
                Assert.True(masked >= row.Length || row[masked] != float.NegativeInfinity, $"{width} RowMax valid {valid} end {end}: lane {masked} past the end was written");
            }
        }
        Assert.Equal(0f, KernelMath.Reciprocal(0f));
        Assert.Equal(0.5f, KernelMath.Reciprocal(2f));
        Assert.True(float.IsNaN(KernelMath.Reciprocal(float.NaN)));
    }

    [Theory, MemberData(nameof(Widths))]
    public void InverseSumsReduceEachRowsPartialSums(string width)
    {
        // Rows of lane-wise partial sums as the interleaved softmax leaves them: an ordinary row, a row that saw no key
        // (all zeros: f = 0, its output is zeros), a row with a NaN lane (NaN stays NaN), one with a huge sum.
        int lanes = width == "Vector512" ? 16 : 8;
        float[][] rows =
        {
            Enumerable.Range(0, lanes).Select(j => 0.125f * (j + 1)).ToArray(),
            new float[lanes],
            Enumerable.Range(0, lanes).Select(j => j == lanes - 2 ? float.NaN : 1f).ToArray(),
            Enumerable.Range(0, lanes).Select(j => j == 1 ? 3e38f : 0f).ToArray(),
        };
        float[] sums = rows.SelectMany(r => r).ToArray();
        float[] factors = Enumerable.Repeat(-1f, rows.Length + 1).ToArray();
        if (width == "Vector512") KernelMath.InverseSums512(ref sums[0], ref factors[0], rows.Length);
        else KernelMath.InverseSums256(ref sums[0], ref factors[0], rows.Length);
        double sum0 = rows[0].Sum(x => (double)x);
        Assert.True(Math.Abs(factors[0] - 1 / sum0) <= 1e-7 / sum0, $"{width}: f0 = {factors[0]}, expected {1 / sum0}");
        Assert.Equal(0f, factors[1]);
        Assert.True(float.IsNaN(factors[2]), $"{width}: a NaN partial sum gave f = {factors[2]}");
        Assert.Equal(1f / 3e38f, factors[3]);
        Assert.Equal(-1f, factors[rows.Length]);   // nothing past the rows is written
    }

    // ------------------------------------------------------------------ softcap: cap · tanh(s / cap)

    private static float[] Softcap(string width, float[] s, float cap, float unit = 1f) =>
        Map(width, s, v => KernelSoftcap.Apply(v, cap, unit), v => KernelSoftcap.Apply(v, cap, unit));

    [Theory, MemberData(nameof(Widths))]
    public void SoftcapIsWithinFourUlpOfTanh(string width)
    {
        // tanh(x), x = s / cap, over every 64th float bit pattern of [0, 12] and its negation (dense near 0, where the odd
        // polynomial is used), plus an even grid of [0, 12] that crosses the polynomial/exp boundary at 0.4 many times.
        foreach ((float cap, float unit) in new[] { (1f, 1f), (30f, 1f), (30f, KernelMath.Log2E) })
        {
            const int Grid = 1 << 16;
            int bitsHi = BitConverter.SingleToInt32Bits(12f);
            int patterns = bitsHi / 64;
            int half = (Grid + patterns + 15) & ~15;
            float[] s = new float[2 * half];
            for (int i = 0; i < Grid; i++) s[i] = (float)(12.0 * i / (Grid - 1)) * cap;
            for (int i = 0; i < patterns; i++) s[Grid + i] = BitConverter.Int32BitsToSingle(i * 64) * cap;
            for (int i = 0; i < half; i++) s[half + i] = -s[i];
            float[] y = Softcap(width, s, cap, unit);
            double worst = 0;
            float worstS = 0;
            for (int i = 0; i < s.Length; i++)
            {
                double exact = unit * cap * Math.Tanh((double)s[i] / cap);
                double ulps = exact == 0 ? (y[i] == 0 ? 0 : double.PositiveInfinity) : Math.Abs(y[i] - exact) / Ulp((float)exact);
                if (ulps > worst) { worst = ulps; worstS = s[i]; }
            }
            _output.WriteLine($"{width} softcap {cap} × {unit}: max error {worst:F3} ulp at s = {worstS:R} [{TestData.ActivePath}]");
            Assert.True(worst <= 4.0, $"{width} softcap {cap} × {unit}: max error {worst:F3} ulp at s = {worstS:R} exceeds 4 ulp");
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void SoftcapEdgeValues(string width)
    {
        const float Cap = 30f;
        float[] s =
        {
            0f, -0f, float.Epsilon, -float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue,
            1e30f, -1e30f, 600f, -600f, float.NaN, -float.NaN, 11.99f, -12.01f,
        };
        float[] y = Softcap(width, s, Cap);
        Assert.True(y[0] == 0f && !float.IsNegative(y[0]), $"{width} softcap(+0) must be +0, got {y[0]:R}");
        Assert.True(y[1] == 0f && float.IsNegative(y[1]), $"{width} softcap(−0) must be −0, got {y[1]:R}");
        Assert.True(Math.Abs(y[2] - float.Epsilon) <= float.Epsilon && Math.Abs(y[3] + float.Epsilon) <= float.Epsilon,
            $"{width} softcap(±ε) must be ±ε, got {y[2]:R}, {y[3]:R}");
        for (int i = 4; i < 12; i++)
        {
            float expected = i % 2 == 0 ? Cap : -Cap;
            Assert.True(y[i] == expected, $"{width} softcap({s[i]:R}) must saturate at {expected}, got {y[i]:R}");
        }
        Assert.True(float.IsNaN(y[12]) && float.IsNaN(y[13]), $"{width} softcap(NaN) must be NaN, got {y[12]}, {y[13]}");
        for (int i = 14; i < 16; i++)
        {
            double exact = Cap * Math.Tanh(s[i] / (double)Cap);
            Assert.True(Math.Abs(y[i] - exact) <= 4 * Ulp((float)exact), $"{width} softcap({s[i]:R}) = {y[i]:R}, exact {exact:R}");
        }
    }

    // ------------------------------------------------------------------ softmax row passes

    public static TheoryData<string> Passes() => new() { "512", "256", "scalar" };

    private static float Pass(string which, float[] row, int valid, int end) => which switch
    {
        "512" => KernelMath.SoftmaxRow512(ref row[0], valid, end),
        "256" => KernelMath.SoftmaxRow256(ref row[0], valid, end),
        _ => KernelMath.SoftmaxRowScalar(ref row[0], valid, end),
    };

    // The vector passes take scores in base-2 units (s · log2 e) and give 2^(s − max), the scalar pass natural ones.
    private static double Base(string which) => which == "scalar" ? Math.E : 2.0;

    private static float[] Row(int valid, Func<int, float> value)
    {
        float[] row = new float[64];
        for (int j = 0; j < row.Length; j++) row[j] = j < valid ? value(j) : 12345f;   // junk past `valid` must be ignored
        return row;
    }

    [Theory, MemberData(nameof(Passes))]
    public void SoftmaxRowMatchesFloat64ForLargeFiniteScores(string which)
    {
        var rng = new Random(7);
        foreach (int valid in new[] { 1, 2, 7, 8, 9, 15, 16, 17, 33, 48 })
        {
            foreach (double spread in new[] { 1.0, 50.0, 1e4, 1e30 })
            {
                float[] row = Row(valid, _ => (float)((rng.NextDouble() * 2 - 1) * spread));
                double[] scores = row.Take(valid).Select(s => (double)s).ToArray();
                double max = scores.Max(), sum = scores.Sum(s => Math.Pow(Base(which), s - max));
                float inv = Pass(which, row, valid, valid);
                for (int j = 0; j < valid; j++)
                {
                    double expected = Math.Pow(Base(which), scores[j] - max) / sum;
                    Assert.True(Math.Abs(row[j] * inv - expected) <= 1e-6,
                        $"SoftmaxRow{which} valid {valid}, spread {spread:E0}: weight {j} = {row[j] * inv:R}, expected {expected:R}");
                }
                int end = which == "512" ? (valid + 15) & ~15 : which == "256" ? (valid + 7) & ~7 : valid;
                for (int j = valid; j < end; j++) Assert.True(row[j] == 0f, $"SoftmaxRow{which}: lane {j} past valid {valid} must be 0, got {row[j]}");
            }
        }
    }

    [Theory, MemberData(nameof(Passes))]
    public void SoftmaxRowEdgeSemantics(string which)
    {
        foreach (int valid in new[] { 1, 5, 16, 21 })
        {
            // All −∞ (a fully masked row): returns 0 and zeros, so the output row is 0.
            float[] row = Row(valid, _ => float.NegativeInfinity);
            Assert.Equal(0f, Pass(which, row, valid, valid));
            Assert.All(row.Take(valid), w => Assert.Equal(0f, w));

            // Some −∞: those keys get weight exactly 0, the rest a normal softmax.
            row = Row(valid, j => j % 2 == 1 ? float.NegativeInfinity : 0.25f * j);
            float inv = Pass(which, row, valid, valid);
            Assert.True(float.IsFinite(inv) && inv > 0, $"SoftmaxRow{which}: 1/Σ = {inv}");
            for (int j = 1; j < valid; j += 2) Assert.Equal(0f, row[j]);

            // NaN anywhere: every weight and 1/Σ are NaN (the row's output is NaN).
            for (int at = 0; at < valid; at += Math.Max(1, valid / 3))
            {
                row = Row(valid, j => j == at ? float.NaN : -j);
                inv = Pass(which, row, valid, valid);
                Assert.True(float.IsNaN(inv), $"SoftmaxRow{which} valid {valid}: NaN at {at} must give 1/Σ = NaN, got {inv}");
            }

            // +∞ (a score that overflowed): exp(∞ − ∞) = NaN, so the row is NaN, the same on every pass.
            row = Row(valid, j => j == valid - 1 ? float.PositiveInfinity : 1f);
            inv = Pass(which, row, valid, valid);
            Assert.True(float.IsNaN(inv) || float.IsNaN(row[valid - 1] * inv), $"SoftmaxRow{which} valid {valid}: a +∞ score must give a NaN row, got 1/Σ = {inv}, weight {row[valid - 1]}");
            Assert.True(float.IsNaN(inv), $"SoftmaxRow{which} valid {valid}: a +∞ score must give 1/Σ = NaN, got {inv}");
        }
    }
}
