using System;
using System.Buffers;
using System.Numerics.Tensors;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

/// <summary><see cref="TensorAttention"/>: kernels over System.Numerics.Tensors tensors and tensor spans.</summary>
public sealed class TensorInteropTests
{
    private const int S = Odd37.SeqLen, D = Odd37.Dim;

    [Fact]
    public void AttendOverTensorsEqualsAttendOverSpans()
    {
        float[] q = TestData.Gaussian(21, S * D), k = TestData.Gaussian(22, S * D), v = TestData.Gaussian(23, S * D);
        float[] expected = new float[S * D];
        Odd37.Attend(q, k, v, expected);

        Tensor<float> qt = Tensor.Create(q, [S, D]), kt = Tensor.Create(k, [S, D]), vt = Tensor.Create(v, [S, D]);
        Tensor<float> ot = Tensor.CreateFromShape<float>([S, D]);
        TensorAttention.Attend<Odd37>(qt, kt, vt, ot);

        Assert.Equal(expected, Flatten(ot));
    }

    [Fact]
    public void BatchOfOneShapeIsAccepted()
    {
        float[] x = TestData.Gaussian(24, S * D);
        float[] expected = new float[S * D];
        Odd37.SelfAttend(x, expected);

        float[] y = new float[S * D];
        TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(x, [1, S, D]), new TensorSpan<float>(y, [1, S, D]));

        Assert.Equal(expected, y);
    }

    [Fact]
    public void TensorResultMatchesFloat64Reference()
    {
        float[] x = TestData.Gaussian(25, Decoder64.SeqLen * Decoder64.Dim);
        Tensor<float> y = Tensor.CreateFromShape<float>([Decoder64.SeqLen, Decoder64.Dim]);
        TensorAttention.SelfAttend<Decoder64>(Tensor.Create(x, [Decoder64.SeqLen, Decoder64.Dim]), y);

        double[] reference = new double[x.Length];
        AttentionReference.Attend(x, x, x, reference, Decoder64.SeqLen, Decoder64.SeqLen, Decoder64.Dim, Decoder64.Heads, Decoder64.Scale, causal: true);
        double bound = TestData.KernelBound(x, x, Decoder64.SeqLen, Decoder64.SeqLen, Decoder64.Dim, Decoder64.Heads, Decoder64.Scale);
        Assert.InRange(TestData.MaxError(Flatten(y), reference), 0, bound);
    }

    [Theory]
    [InlineData(new int[] { 36, 60 }, "[36, 60]")]        // one row short
    [InlineData(new int[] { 37, 61 }, "[37, 61]")]        // wrong dim
    [InlineData(new int[] { 60, 37 }, "[60, 37]")]        // transposed shape
    [InlineData(new int[] { 2220 }, "[2220]")]            // right element count, flat
    [InlineData(new int[] { 2, 37, 60 }, "[2, 37, 60]")]  // a batch of two
    [InlineData(new int[] { 1, 1, 37, 60 }, "[1, 1, 37, 60]")]
    public void WrongShapeThrowsNamingExpectedAndActualShape(int[] shape, string actual)
    {
        nint[] lengths = Array.ConvertAll(shape, i => (nint)i);
        nint count = 1;
        foreach (nint l in lengths) count *= l;
        float[] data = new float[count];
        float[] x = new float[S * D], y = new float[S * D];

        var e = Assert.Throws<ArgumentException>(() =>
            TensorAttention.Attend<Odd37>(new ReadOnlyTensorSpan<float>(x, [S, D]), new ReadOnlyTensorSpan<float>(data, lengths),
                                          new ReadOnlyTensorSpan<float>(x, [S, D]), new TensorSpan<float>(y, [S, D])));

        Assert.Equal("k", e.ParamName);
        Assert.Contains($"has shape {actual}", e.Message);
        Assert.Contains("Odd37 needs [37, 60] or [1, 37, 60]", e.Message);
        Assert.All(y, f => Assert.Equal(0f, f));
    }

    [Fact]
    public void WrongOutputShapeThrowsNamingOutput()
    {
        float[] x = new float[S * D], y = new float[S * D + 60];
        var e = Assert.Throws<ArgumentException>(() =>
            TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(x, [S, D]), new TensorSpan<float>(y, [S + 1, D])));
        Assert.Equal("output", e.ParamName);
        Assert.Contains("has shape [38, 60]", e.Message);
    }

    [Fact]
    public void TransposedViewIsRejectedNamingTheStrides()
    {
        // A [37, 60] view over a [60, 37] array, column-major: the right shape and no gaps, but not row-major.
        float[] data = TestData.Gaussian(26, S * D);
        float[] y = new float[S * D];

        var e = Assert.Throws<ArgumentException>(() =>
            TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(data, 0, [S, D], [1, S]), new TensorSpan<float>(y, [S, D])));

        Assert.Equal("x", e.ParamName);
        Assert.Contains("strides [1, 37]", e.Message);
        Assert.Contains("strides [60, 1]", e.Message);
        Assert.All(y, f => Assert.Equal(0f, f));
    }

    [Fact]
    public void ViewWithGapsBetweenRowsIsRejected()
    {
        // The first 60 columns of a [37, 64] tensor: rows are 64 apart.
        Tensor<float> wide = Tensor.CreateFromShape<float>([S, D + 4]);
        float[] x = new float[S * D];

        var e = Assert.Throws<ArgumentException>(() =>
            TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(x, [S, D]), wide.AsTensorSpan().Slice([NRange.All, new NRange(0, D)])));

        Assert.Equal("output", e.ParamName);
        Assert.Contains("strides [64, 1]", e.Message);
    }

    [Fact]
    public void BroadcastRowsAreRejected()
    {
        float[] row = TestData.Gaussian(27, D);
        var e = Assert.Throws<ArgumentException>(() =>
            TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(row, 0, [S, D], [0, 1]), new TensorSpan<float>(new float[S * D], [S, D])));
        Assert.Contains("strides [0, 1]", e.Message);
    }

    [Fact]
    public void OverlappingOutputIsRejected()
    {
        float[] x = TestData.Gaussian(28, S * D);
        Assert.Throws<ArgumentException>(() => TensorAttention.SelfAttend<Odd37>(new ReadOnlyTensorSpan<float>(x, [S, D]), new TensorSpan<float>(x, [S, D])));
    }

    [Fact]
    public void SingleRowKernelAcceptsAnyRowStride()
    {
        // [1, 17]: the row stride of a one-row tensor never matters (here it is a row of a [3, 17] tensor).
        Tensor<float> big = Tensor.Create(TestData.Gaussian(29, 3 * Single1.Dim), [3, Single1.Dim]);
        ReadOnlyTensorSpan<float> row = big.AsReadOnlyTensorSpan().Slice([new NRange(1, 2), NRange.All]);
        float[] expected = new float[Single1.Dim];
        Single1.SelfAttend(TensorAttention.AsKernelSpan<Single1>(row).ToArray(), expected);

        float[] y = new float[Single1.Dim];
        TensorAttention.SelfAttend<Single1>(row, new TensorSpan<float>(y, [1, Single1.Dim]));

        Assert.Equal(expected, y);
        Assert.Equal(big[[1, 5]], TensorAttention.AsKernelSpan<Single1>(row)[5]);
    }

    [Fact]
    public void EachSequenceOfABatchTensorIsAccepted()
    {
        // [3, S, D]: the whole batch is rejected (never one long sequence), each [1, S, D] slice is accepted.
        Tensor<float> batch = Tensor.Create(TestData.Gaussian(30, 3 * S * D), [3, S, D]);
        float[] y = new float[S * D];
        var e = Assert.Throws<ArgumentException>(() => TensorAttention.SelfAttend<Odd37>(batch, new TensorSpan<float>(new float[S * D], [S, D])));
        Assert.Contains("has shape [3, 37, 60]", e.Message);

        for (int b = 0; b < 3; b++)
        {
            float[] expected = new float[S * D];
            Odd37.SelfAttend(TestData.Gaussian(30, 3 * S * D).AsSpan(b * S * D, S * D), expected);
            TensorAttention.SelfAttend<Odd37>(batch.AsReadOnlyTensorSpan().Slice([new NRange(b, b + 1), NRange.All, NRange.All]), new TensorSpan<float>(y, [S, D]));
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void AsKernelSpanAliasesTheTensorMemory()
    {
        Tensor<float> t = Tensor.CreateFromShape<float>([1, S, D]);
        Span<float> s = TensorAttention.AsKernelSpan<Odd37>(t.AsTensorSpan());
        Assert.Equal(S * D, s.Length);
        s[2 * D + 7] = 3.5f;
        Assert.Equal(3.5f, t[[0, 2, 7]]);
    }

    private static float[] Flatten(Tensor<float> t)
    {
        float[] a = new float[t.FlattenedLength];
        t.FlattenTo(a);
        return a;
    }
}
