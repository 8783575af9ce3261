using System;
using System.Linq;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

public sealed class KernelTests
{
    [Fact] public void Encoder128MatchesReference() => KernelHelpers.AssertMatchesReference<Encoder128>(1);
    [Fact] public void Sentence6MatchesReference() => KernelHelpers.AssertMatchesReference<Sentence6>(2);
    [Fact] public void Decoder64MatchesReference() => KernelHelpers.AssertMatchesReference<Decoder64>(3);
    [Fact] public void Odd37MatchesReference() => KernelHelpers.AssertMatchesReference<Odd37>(4);
    [Fact] public void OddCausal37MatchesReference() => KernelHelpers.AssertMatchesReference<OddCausal37>(5);
    [Fact] public void Single1MatchesReference() => KernelHelpers.AssertMatchesReference<Single1>(6);
    [Fact] public void NestedMatchesReference() => KernelHelpers.AssertMatchesReference<Outer.Nested16>(7);
    [Fact] public void GlobalNamespaceMatchesReference() => KernelHelpers.AssertMatchesReference<GlobalNamespace9>(8);

    [Fact]
    public void ShapeConstantsAreGenerated()
    {
        Assert.Equal(128, Encoder128.SeqLen);
        Assert.Equal(768, Encoder128.Dim);
        Assert.Equal(12, Encoder128.Heads);
        Assert.Equal(64, Encoder128.HeadDim);
        Assert.Equal(0.125f, Encoder128.Scale);
        Assert.False(Encoder128.Causal);
        Assert.Equal(1f, Sentence6.Scale);
        Assert.True(Decoder64.Causal);
        Assert.Equal(20, Odd37.HeadDim);
    }

    [Fact]
    public void SelfAttendEqualsAttendWithXForAll()
    {
        float[] x = TestData.Gaussian(11, Decoder64.SeqLen * Decoder64.Dim);
        float[] a = new float[x.Length], b = new float[x.Length];
        Decoder64.SelfAttend(x, a);
        Decoder64.Attend(x, x, x, b);
        Assert.Equal(b, a);
    }

    [Fact]
    public void SingleRowOutputIsItsValueRow()
    {
        // One key: the softmax weight is exactly 1, so the output is v.
        float[] q = TestData.Gaussian(12, 17), k = TestData.Gaussian(13, 17), v = TestData.Gaussian(14, 17);
        float[] o = new float[17];
        Single1.Attend(q, k, v, o);
        Assert.Equal(v, o);
    }

    [Fact]
    public void ResultIsDeterministicAcrossCalls()
    {
        int n = Odd37.SeqLen * Odd37.Dim;
        float[] q = TestData.Gaussian(15, n), k = TestData.Gaussian(16, n), v = TestData.Gaussian(17, n);
        float[] a = new float[n], b = new float[n];
        Odd37.Attend(q, k, v, a);
        Encoder128.SelfAttend(TestData.Gaussian(18, Encoder128.SeqLen * Encoder128.Dim), new float[Encoder128.SeqLen * Encoder128.Dim]); // reuse scratch in between
        Odd37.Attend(q, k, v, b);
        Assert.Equal(a, b);
    }
}

/// <summary>Properties that hold for any correct attention, independent of the reference.</summary>
public sealed class PropertyTests
{
    [Fact]
    public void PermutingRowsPermutesOutputRows()
    {
        // Without masks self-attention is permutation-equivariant: Y(PX) = P·Y(X).
        const int S = Odd37.SeqLen, D = Odd37.Dim;
        float[] x = TestData.Gaussian(21, S * D);
        int[] perm = Enumerable.Range(0, S).OrderBy(i => (i * 17 + 5) % S).ToArray();
        float[] px = new float[x.Length];
        for (int i = 0; i < S; i++) Array.Copy(x, perm[i] * D, px, i * D, D);
        float[] y = new float[x.Length], py = new float[x.Length];
        Odd37.SelfAttend(x, y);
        Odd37.SelfAttend(px, py);
        for (int i = 0; i < S; i++)
            for (int d = 0; d < D; d++)
                Assert.True(Math.Abs(py[i * D + d] - y[perm[i] * D + d]) <= 1e-6, $"row {i} col {d}");
    }

    [Fact]
    public void WeightsSumToOne_ConstantValuesPassThrough()
    {
        // If every value row is the same vector c, any convex combination returns c: the weights sum to 1.
        const int S = Encoder128.SeqLen, D = Encoder128.Dim;
        float[] q = TestData.Gaussian(22, S * D), k = TestData.Gaussian(23, S * D);
        float[] row = TestData.Gaussian(24, D);
        float[] v = new float[S * D];
        for (int j = 0; j < S; j++) Array.Copy(row, 0, v, j * D, D);
        float[] o = new float[S * D];
        Encoder128.Attend(q, k, v, o);
        for (int i = 0; i < S; i++)
            for (int d = 0; d < D; d++)
                Assert.True(Math.Abs(o[i * D + d] - row[d]) <= 2e-6 * Math.Max(1, Math.Abs(row[d])), $"row {i} col {d}: {o[i * D + d]} vs {row[d]}");
    }

    [Fact]
    public void CausalRowIgnoresLaterKeysAndValues()
    {
        const int S = OddCausal37.SeqLen, D = OddCausal37.Dim;
        float[] q = TestData.Gaussian(25, S * D), k = TestData.Gaussian(26, S * D), v = TestData.Gaussian(27, S * D);
        float[] o1 = new float[S * D];
        OddCausal37.Attend(q, k, v, o1);
        const int row = 20;
        float[] k2 = (float[])k.Clone(), v2 = (float[])v.Clone();
        for (int j = row + 1; j < S; j++)
            for (int d = 0; d < D; d++) { k2[j * D + d] = float.PositiveInfinity; v2[j * D + d] = float.NaN; }   // masked: never read
        float[] o2 = new float[S * D];
        OddCausal37.Attend(q, k2, v2, o2);
        Assert.Equal(o1.AsSpan(0, (row + 1) * D).ToArray(), o2.AsSpan(0, (row + 1) * D).ToArray());
        Assert.All(o2.AsSpan(0, (row + 1) * D).ToArray(), x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void CausalMaskedNaNNeverLeaksIntoAnyRow()
    {
        // Row i's value row is NaN for every row: row i sees rows j ≤ i, so only rows i ≥ the NaN row may be NaN.
        const int S = Decoder64.SeqLen, D = Decoder64.Dim;
        for (int nanRow = 1; nanRow < 8; nanRow++)   // every position inside a 4-row block
        {
            float[] x = TestData.Gaussian(29 + nanRow, S * D);
            float[] v = (float[])x.Clone();
            for (int d = 0; d < D; d++) v[nanRow * D + d] = float.NaN;
            float[] o = new float[S * D];
            Decoder64.Attend(x, x, v, o);
            for (int i = 0; i < nanRow; i++)
                for (int d = 0; d < D; d++)
                    Assert.True(float.IsFinite(o[i * D + d]), $"[{TestData.ActivePath}] row {i} (before the NaN value row {nanRow}) is {o[i * D + d]}");
        }
    }

    [Fact]
    public void FirstCausalRowIsFirstValueRow()
    {
        const int D = Decoder64.Dim;
        float[] x = TestData.Gaussian(28, Decoder64.SeqLen * D);
        float[] o = new float[x.Length];
        Decoder64.SelfAttend(x, o);
        Assert.Equal(x.AsSpan(0, D).ToArray(), o.AsSpan(0, D).ToArray());
    }
}

public sealed class BadInputTests
{
    private const int N = Odd37.SeqLen * Odd37.Dim;

    [Theory]
    [InlineData("q", -1)]
    [InlineData("q", 1)]
    [InlineData("k", -1)]
    [InlineData("v", 7)]
    [InlineData("output", -1)]
    [InlineData("output", 1)]
    public void WrongLengthThrowsAndLeavesOutputUntouched(string which, int delta)
    {
        float[] q = new float[which == "q" ? N + delta : N];
        float[] k = new float[which == "k" ? N + delta : N];
        float[] v = new float[which == "v" ? N + delta : N];
        float[] o = Enumerable.Repeat(42f, which == "output" ? N + delta : N).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => Odd37.Attend(q, k, v, o));
        Assert.Equal(which, ex.ParamName);
        Assert.Contains(N.ToString(), ex.Message);                       // expected length
        Assert.Contains((N + delta).ToString(), ex.Message);             // actual length
        Assert.All(o, x => Assert.Equal(42f, x));
    }

    [Fact]
    public void SelfAttendWrongLengthNamesX()
    {
        var ex = Assert.Throws<ArgumentException>(() => Odd37.SelfAttend(new float[N - 3], new float[N]));
        Assert.Equal("x", ex.ParamName);
    }

    [Fact]
    public void OverlappingOutputIsRejected()
    {
        float[] buffer = TestData.Gaussian(31, 2 * N);
        float[] before = (float[])buffer.Clone();
        var ex = Assert.Throws<ArgumentException>(() => Odd37.SelfAttend(buffer.AsSpan(0, N), buffer.AsSpan(N / 2, N)));
        Assert.Equal("output", ex.ParamName);
        Assert.Equal(before, buffer);
        Assert.Throws<ArgumentException>(() => Odd37.Attend(buffer.AsSpan(0, N), new float[N], new float[N], buffer.AsSpan(0, N)));
    }

    [Fact]
    public void AdjacentButNotOverlappingBuffersWork()
    {
        float[] buffer = TestData.Gaussian(32, 2 * N);
        float[] x = buffer.AsSpan(0, N).ToArray();
        Odd37.SelfAttend(buffer.AsSpan(0, N), buffer.AsSpan(N, N));
        float[] expected = new float[N];
        Odd37.SelfAttend(x, expected);
        Assert.Equal(expected, buffer.AsSpan(N, N).ToArray());
    }
}

public sealed class WeightsOverloadTests
{
    private const int N = OddCausal37.SeqLen * OddCausal37.Dim;
    private const int W = OddCausal37.Heads * OddCausal37.SeqLen * OddCausal37.SeqLen;

    [Fact]
    public void WrongWeightsLengthThrowsAndWritesNothing()
    {
        float[] x = TestData.Gaussian(61, N);
        float[] o = Enumerable.Repeat(3f, N).ToArray();
        float[] w = Enumerable.Repeat(3f, W - 1).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => OddCausal37.Attend(x, x, x, o, w));
        Assert.Equal("weights", ex.ParamName);
        Assert.Contains(W.ToString(), ex.Message);
        Assert.All(o, value => Assert.Equal(3f, value));
        Assert.All(w, value => Assert.Equal(3f, value));
    }

    [Fact]
    public void WeightsOverlappingOutputAreRejected()
    {
        float[] x = TestData.Gaussian(62, N);
        float[] buffer = new float[N + W];
        var ex = Assert.Throws<ArgumentException>(() => OddCausal37.Attend(x, x, x, buffer.AsSpan(0, N), buffer.AsSpan(N - 1, W)));
        Assert.Equal("weights", ex.ParamName);
    }

    [Fact]
    public void BuildTimeKernelWeightsMatchReference()
    {
        float[] q = TestData.Gaussian(63, N), k = TestData.Gaussian(64, N), v = TestData.Gaussian(65, N);
        float[] o = new float[N], w = new float[W];
        OddCausal37.Attend(q, k, v, o, w);
        double[] ro = new double[N], rw = new double[W];
        AttentionReference.Attend(q, k, v, ro, OddCausal37.SeqLen, OddCausal37.SeqLen, OddCausal37.Dim, OddCausal37.Heads, OddCausal37.Scale, true, rw);
        Assert.True(TestData.MaxError(w, rw) <= 1e-6, $"[{TestData.ActivePath}] weights error {TestData.MaxError(w, rw):E3}");
        Assert.True(TestData.MaxError(o, ro) <= 1e-6, $"[{TestData.ActivePath}] output error {TestData.MaxError(o, ro):E3}");
    }
}
