using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

// Extra shapes for the edge-value tests: a causal kernel with an odd head dim and a short block tail,
// and a kernel whose head dim is a whole Vector512 (values read in place, not repacked).
[Attention(33, 17, 1, Causal = true)]
public partial struct EdgeCausal33 { }

[Attention(20, 48, 3)]
public partial struct EdgeH3D16 { }

/// <summary>
/// Edge values on whichever SIMD path this process takes (CI runs the suite on Vector512, Vector256 and
/// scalar; ReliabilityFallbackTests compares the paths in one run). The semantics tested here are the
/// ones documented in docs/reliability.md:
/// <list type="bullet">
/// <item>scores are computed in float32 and the row maximum is subtracted, so any finite scores (e.g. ±1e4)
/// give the float64 reference's result within <see cref="TestData.Bound"/>;</item>
/// <item>equal scores give uniform weights (output = mean of the visible V rows); a single visible key
/// gives exactly its V row;</item>
/// <item>NaN in an unmasked score (NaN in q or k, ∞·0, or a +∞ score) makes that row's output NaN in every
/// column of that head; a −∞ score gives its key weight 0, and a row whose scores are all −∞ outputs
/// zeros;</item>
/// <item>±∞ or NaN in v makes that column non-finite in exactly the rows that attend to that key;</item>
/// <item>non-finite values in keys and values a causal row does not see never reach that row.</item>
/// </list>
/// </summary>
public sealed class EdgeValueTests
{
    public static IEnumerable<object[]> AllKernels() => new[]
    {
        typeof(Odd37), typeof(OddCausal37), typeof(Decoder64), typeof(Sentence6), typeof(GlobalNamespace9),
        typeof(EdgeCausal33), typeof(EdgeH3D16), typeof(Single1), typeof(Outer.Nested16),
    }.Select(t => new object[] { t });

    public static IEnumerable<object[]> CausalKernels() => AllKernels().Where(k => IsCausal((Type)k[0]));

    private static bool IsCausal(Type t) => (bool)t.GetField("Causal")!.GetValue(null)!;

    // ------------------------------------------------------------------ finite edge values

    [Theory, MemberData(nameof(AllKernels))]
    public void ScoresOfTenThousandMatchReference(Type kernel) => Invoke(nameof(LargeScores), kernel);

    private static void LargeScores<T>() where T : IAttentionKernel<T>
    {
        // Scale q and k so that the largest |scaled score| is 1e4: without max subtraction exp would overflow.
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(101, n), k = TestData.Gaussian(102, n), v = TestData.Gaussian(103, n);
        double m = TestData.MaxAbsScore(q, k, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale);
        float c = (float)Math.Sqrt(1e4 / m);
        for (int i = 0; i < n; i++) { q[i] *= c; k[i] *= c; }
        double big = TestData.MaxAbsScore(q, k, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale);
        Assert.InRange(big, 0.9e4, 1.1e4);
        float[] o = KernelHelpers.Run<T>(q, k, v);
        double[] r = KernelHelpers.Reference<T>(q, k, v);
        AssertClose<T>(o, r, TestData.Bound(big), "scores up to 1e4");
        // Each output is a convex combination of the visible values: inside their column range.
        AssertInsideValueRange<T>(o, v);
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void ScoresOf1e30MatchReference(Type kernel) => Invoke(nameof(HugeScores), kernel);

    private static void HugeScores<T>() where T : IAttentionKernel<T>
    {
        // Scores of ~1e30 are finite in float32 (q ~ 1e15, k ~ 1): after the max subtraction every weight is
        // exactly 0 or 1 (one-hot on the largest score), in float32 and in float64 alike.
        int n = T.SeqLen * T.Dim;
        float[] q = Scaled(TestData.Gaussian(104, n), 1e15f), k = TestData.Gaussian(105, n), v = TestData.Gaussian(106, n);
        double big = TestData.MaxAbsScore(q, k, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale);
        Assert.InRange(big, 1e14, 1e17);
        k = Scaled(k, 1e15f);
        big = TestData.MaxAbsScore(q, k, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale);
        Assert.InRange(big, 1e29, 1e32);
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertClose<T>(o, KernelHelpers.Reference<T>(q, k, v), 1e-6, "scores up to 1e30 (one-hot weights)");
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void EqualScoresGiveTheMeanOfV(Type kernel) => Invoke(nameof(EqualScores), kernel);

    private static void EqualScores<T>() where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] v = TestData.Gaussian(111, n);
        // q = 0: every score is exactly 0. Also k = 0 with q large: every score is exactly 0 again.
        foreach (var (q, k) in new[] { (new float[n], TestData.Gaussian(112, n)), (Scaled(TestData.Gaussian(113, n), 1e3f), new float[n]) })
        {
            float[] o = KernelHelpers.Run<T>(q, k, v);
            var mean = new double[n];
            for (int i = 0; i < T.SeqLen; i++)
            {
                int visible = T.Causal ? i + 1 : T.SeqLen;
                for (int c = 0; c < T.Dim; c++)
                {
                    double s = 0;
                    for (int j = 0; j < visible; j++) s += v[j * T.Dim + c];
                    mean[i * T.Dim + c] = s / visible;
                }
            }
            AssertClose<T>(o, mean, TestData.Bound(0), "equal scores → mean of the visible V rows");
        }
    }

    [Fact]
    public void SingleKeyGivesItsValueRowExactlyWhateverTheScore()
    {
        // One key: its weight is exp(s − s) = 1 exactly, for a tiny, ordinary or huge finite score.
        float[] v = TestData.Gaussian(121, 17);
        foreach (float magnitude in new[] { 1e-20f, 1f, 1e4f, 1e15f, 1e30f })
        {
            float[] q = Scaled(TestData.Gaussian(122, 17), magnitude), k = TestData.Gaussian(123, 17);
            float[] o = KernelHelpers.Run<Single1>(q, k, v);
            Assert.True(o.SequenceEqual(v), $"[{TestData.ActivePath}] single key, |q| ~ {magnitude:E0}: output {string.Join(",", o.Take(3))}… ≠ v");
        }
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void DenormalInputsMatchReference(Type kernel) => Invoke(nameof(Denormals), kernel);

    private static void Denormals<T>() where T : IAttentionKernel<T>
    {
        // Subnormal q and k (scores underflow to 0 or subnormals: uniform weights) and subnormal v, then
        // ordinary q and k with subnormal v: outputs are subnormal weighted means, not flushed to zero.
        int n = T.SeqLen * T.Dim;
        const float Tiny = 1e-39f;   // below float.MinNormal (1.18e-38)
        float[] v = Scaled(TestData.Gaussian(131, n), Tiny);
        foreach (var (q, k) in new[] { (Scaled(TestData.Gaussian(132, n), Tiny), Scaled(TestData.Gaussian(133, n), Tiny)), (TestData.Gaussian(134, n), TestData.Gaussian(135, n)) })
        {
            float[] o = KernelHelpers.Run<T>(q, k, v);
            double[] r = KernelHelpers.Reference<T>(q, k, v);
            // Compare at the values' scale: subnormals carry fewer bits, so allow 1e-4 relative plus a few subnormal steps.
            for (int i = 0; i < n; i++)
            {
                double e = Math.Abs(o[i] - r[i]);
                Assert.True(e <= 1e-4 * Tiny + 64 * float.Epsilon, $"{typeof(T).Name} [{TestData.ActivePath}] denormal inputs: output[{i}] = {o[i]:E}, reference {r[i]:E}");
            }
            Assert.Contains(o, x => x != 0f && Math.Abs(x) < 1.17549435e-38f);   // results stay subnormal, not flushed
        }
    }

    // ------------------------------------------------------------------ non-finite inputs

    [Theory, MemberData(nameof(AllKernels))]
    public void NaNInQMakesThatRowOfThatHeadNaN(Type kernel) => Invoke(nameof(NaNInQ), kernel);

    private static void NaNInQ<T>() where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(141, n), k = TestData.Gaussian(142, n), v = TestData.Gaussian(143, n);
        int row = T.SeqLen / 2, head = T.Heads - 1, col = head * T.HeadDim + T.HeadDim / 2;
        q[row * T.Dim + col] = float.NaN;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertPattern<T>(o, KernelHelpers.Reference<T>(q, k, v), (i, c) => i == row && c / T.HeadDim == head ? "NaN" : "finite", $"NaN in q[{row},{col}]");
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void NaNInKReachesExactlyTheRowsThatSeeThatKey(Type kernel) => Invoke(nameof(NaNInK), kernel);

    private static void NaNInK<T>() where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(151, n), k = TestData.Gaussian(152, n), v = TestData.Gaussian(153, n);
        int key = T.SeqLen / 2, head = 0, col = T.HeadDim - 1;
        k[key * T.Dim + col] = float.NaN;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertPattern<T>(o, KernelHelpers.Reference<T>(q, k, v),
            (i, c) => c / T.HeadDim == head && Sees<T>(i, key) ? "NaN" : "finite", $"NaN in k[{key},{col}]");
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void InfinityInVReachesExactlyThatColumnOfTheRowsThatSeeThatKey(Type kernel) => Invoke(nameof(InfinityInV), kernel);

    private static void InfinityInV<T>() where T : IAttentionKernel<T>
    {
        // Key 0 is seen by every row (causal too), so no masked key is involved (see NonFiniteMaskedValues…).
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(161, n), k = TestData.Gaussian(162, n), v = TestData.Gaussian(163, n);
        int colPos = T.Dim - 1, colNeg = 0, colNaN = T.Dim / 2;
        v[colPos] = float.PositiveInfinity;
        v[colNeg] = float.NegativeInfinity;
        if (colNaN != colPos && colNaN != colNeg) v[colNaN] = float.NaN;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertPattern<T>(o, KernelHelpers.Reference<T>(q, k, v),
            (i, c) => c == colPos ? "+inf" : c == colNeg ? "-inf" : c == colNaN ? "NaN" : "finite", "+∞, −∞ and NaN in row 0 of v");
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void NegativeInfiniteScoresGetWeightZero_AllNegativeInfiniteGivesZeros(Type kernel) => Invoke(nameof(NegativeInfiniteScores), kernel);

    private static void NegativeInfiniteScores<T>() where T : IAttentionKernel<T>
    {
        // q[row, c] = −∞ with k[j, c] > 0 for every key: every score of that row (head 0) is −∞, as in a fully
        // masked row, and the output is zeros (a k[j, c] = 0 would give −∞·0 = NaN instead, see NaNInQ).
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(171, n), k = TestData.Gaussian(172, n), v = TestData.Gaussian(173, n);
        int row = T.SeqLen - 1, c = 0;
        for (int j = 0; j < T.SeqLen; j++) k[j * T.Dim + c] = 0.5f + Math.Abs(k[j * T.Dim + c]);
        q[row * T.Dim + c] = float.NegativeInfinity;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        double[] r = KernelHelpers.Reference<T>(q, k, v);
        for (int d = 0; d < T.HeadDim; d++)
        {
            Assert.True(o[row * T.Dim + d] == 0f, $"{typeof(T).Name} [{TestData.ActivePath}]: a row whose scores are all −∞ must output 0, got {o[row * T.Dim + d]} at column {d}");
            Assert.Equal(0.0, r[row * T.Dim + d]);
        }
        AssertPattern<T>(o, r, (i, col) => "finite", "all scores of one row −∞");
    }

    [Theory, MemberData(nameof(AllKernels))]
    public void ScoreOverflowingToInfinityGivesNaNRow(Type kernel) => Invoke(nameof(ScoreOverflow), kernel);

    private static void ScoreOverflow<T>() where T : IAttentionKernel<T>
    {
        // q[row,c]·k[key,c] = 1e40 is finite in float64 but +∞ in float32: the kernel's score is +∞, the row
        // maximum is +∞ and exp(∞ − ∞) = NaN, so that row of that head is NaN on every path (documented; the
        // float64 reference, which does not overflow, returns v[key] there instead).
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(181, n), k = TestData.Gaussian(182, n), v = TestData.Gaussian(183, n);
        int row = T.SeqLen - 1, key = 0, c = T.Dim - 1, head = c / T.HeadDim;
        q[row * T.Dim + c] = 1e20f;
        k[key * T.Dim + c] = 1e20f;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        for (int i = 0; i < T.SeqLen; i++)
        {
            for (int col = 0; col < T.Dim; col++)
            {
                float x = o[i * T.Dim + col];
                if (i == row && col / T.HeadDim == head)
                {
                    Assert.True(float.IsNaN(x), $"{typeof(T).Name} [{TestData.ActivePath}]: a score overflowing to +∞ must give NaN at [{i},{col}], got {x}");
                }
                else
                {
                    // Other rows' scores against the key are 1e20·q[i,c]: large but finite, so finite weights.
                    Assert.True(float.IsFinite(x), $"{typeof(T).Name} [{TestData.ActivePath}]: output[{i},{col}] = {x} should be finite");
                }
            }
        }
    }

    [Theory, MemberData(nameof(CausalKernels))]
    public void NonFiniteKeysAFutureRowHoldsNeverReachEarlierRows(Type kernel) => Invoke(nameof(MaskedKeys), kernel);

    private static void MaskedKeys<T>() where T : IAttentionKernel<T>
    {
        // Causal: keys j > i are masked for row i. NaN/∞ in those k rows must not leak (pytorch #101967).
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(191, n), k = TestData.Gaussian(192, n), v = TestData.Gaussian(193, n);
        for (int j = 1; j < T.SeqLen; j += 2)
            for (int c = 0; c < T.Dim; c++) k[j * T.Dim + c] = j % 4 == 1 ? float.NaN : float.PositiveInfinity;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertPattern<T>(o, KernelHelpers.Reference<T>(q, k, v), (i, c) => i >= 1 ? "NaN" : "finite", "NaN/∞ in odd k rows");
    }

    [Theory]
    [MemberData(nameof(CausalKernels))]
    public void NonFiniteValuesAFutureRowHoldsNeverReachEarlierRows(Type kernel) => Invoke(nameof(MaskedValues), kernel);

    private static void MaskedValues<T>() where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(201, n), k = TestData.Gaussian(202, n), v = TestData.Gaussian(203, n);
        // Key 2 is masked for rows 0 and 1, which share a 4-row block with rows 2 and 3 on the vector paths.
        int key = 2;
        for (int c = 0; c < T.Dim; c++) v[key * T.Dim + c] = c % 2 == 0 ? float.NaN : float.PositiveInfinity;
        float[] o = KernelHelpers.Run<T>(q, k, v);
        AssertPattern<T>(o, KernelHelpers.Reference<T>(q, k, v),
            (i, c) => i < key ? "finite" : c % 2 == 0 ? "NaN" : "+inf", $"NaN/∞ in v[{key}] (masked for rows 0 and 1)");
    }

    // ------------------------------------------------------------------ helpers

    private static bool Sees<T>(int row, int key) where T : IAttentionKernel<T> => !T.Causal || key <= row;

    private static float[] Scaled(float[] a, float factor)
    {
        for (int i = 0; i < a.Length; i++) a[i] *= factor;
        return a;
    }

    private static void Invoke(string method, Type kernel)
    {
        MethodInfo m = typeof(EdgeValueTests).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(kernel);
        try
        {
            m.Invoke(null, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    private static void AssertClose<T>(float[] actual, double[] expected, double bound, string what) where T : IAttentionKernel<T>
    {
        for (int i = 0; i < actual.Length; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            Assert.True(e <= bound, $"{typeof(T).Name} [{TestData.ActivePath}] {what}: output[{i / T.Dim},{i % T.Dim}] = {actual[i]:R}, expected {expected[i]:R}, |error| {e:E2} > bound {bound:E2}");
        }
    }

    private static void AssertInsideValueRange<T>(float[] o, float[] v) where T : IAttentionKernel<T>
    {
        for (int i = 0; i < T.SeqLen; i++)
        {
            int visible = T.Causal ? i + 1 : T.SeqLen;
            for (int c = 0; c < T.Dim; c++)
            {
                float lo = float.MaxValue, hi = float.MinValue;
                for (int j = 0; j < visible; j++) { lo = Math.Min(lo, v[j * T.Dim + c]); hi = Math.Max(hi, v[j * T.Dim + c]); }
                float x = o[i * T.Dim + c];
                float slack = 1e-6f * Math.Max(1f, Math.Max(Math.Abs(lo), Math.Abs(hi)));
                Assert.True(x >= lo - slack && x <= hi + slack, $"{typeof(T).Name} [{TestData.ActivePath}]: output[{i},{c}] = {x} outside the visible values' range [{lo}, {hi}]");
            }
        }
    }

    private static string Class(double x) => double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "+inf" : double.IsNegativeInfinity(x) ? "-inf" : "finite";

    /// <summary>
    /// Every output element has the expected class (NaN, +inf, −inf, finite), the float64 reference agrees on
    /// the class, and finite elements match the reference within the bound of the finite scores.
    /// </summary>
    private static void AssertPattern<T>(float[] o, double[] r, Func<int, int, string> expectedClass, string what) where T : IAttentionKernel<T>
    {
        double bound = 1e-6 * Math.Max(1, 20);   // N(0,1) inputs: |scores| stay well under 40 for these shapes
        for (int i = 0; i < T.SeqLen; i++)
        {
            for (int c = 0; c < T.Dim; c++)
            {
                string want = expectedClass(i, c);
                float x = o[i * T.Dim + c];
                double y = r[i * T.Dim + c];
                string where = $"{typeof(T).Name} [{TestData.ActivePath}] {what}: output[{i},{c}]";
                Assert.True(Class(y) == want, $"{where}: the float64 reference gives {y}, the test expected {want}");
                Assert.True(Class(x) == want, $"{where} = {x}, expected {want} (reference {y})");
                if (want == "finite")
                {
                    Assert.True(Math.Abs(x - y) <= bound, $"{where} = {x:R}, reference {y:R}, |error| > {bound:E1}");
                }
            }
        }
    }
}
