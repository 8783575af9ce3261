using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The layer entry points: SelfAttendConcat (layout and values), Pool (against float64, properties, validRows) and
/// AttendBatch / SelfAttendBatch (bit-identical to per-sequence calls, serial and parallel), and their argument checks.
/// </summary>
public sealed class LayerTests
{
    // ------------------------------------------------------------------ delegates over the generated overloads

    private delegate void PoolFn(ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<float> output);
    private delegate void PoolValidFn(ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<float> output, int validRows);
    private delegate void ConcatFn(ReadOnlySpan<float> x, Span<float> output);
    private delegate void BatchFn(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch);
    private delegate void BatchParallelFn(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch, ParallelOptions parallel);
    private delegate void SelfBatchFn(ReadOnlySpan<float> x, Span<float> output, int batch);
    private delegate void SelfBatchParallelFn(ReadOnlySpan<float> x, Span<float> output, int batch, ParallelOptions parallel);

    private sealed record PoolKernel(int SeqLen, int Dim, int Heads, float Scale, float Softcap, PoolFn Pool, PoolValidFn PoolValid);

    private static PoolKernel Of<T>(float softcap, PoolFn pool, PoolValidFn poolValid) where T : IAttentionKernel<T> =>
        new(T.SeqLen, T.Dim, T.Heads, T.Scale, softcap, pool, poolValid);

    private static readonly Dictionary<string, PoolKernel> PoolKernels = new()
    {
        ["PoolWords12"] = Of<PoolWords12>(0f, PoolWords12.Pool, PoolWords12.Pool),
        ["PoolOdd7"] = Of<PoolOdd7>(0f, PoolOdd7.Pool, PoolOdd7.Pool),
        ["PoolHd45"] = Of<PoolHd45>(0f, PoolHd45.Pool, PoolHd45.Pool),
        ["PoolSoftcap9"] = Of<PoolSoftcap9>(5f, PoolSoftcap9.Pool, PoolSoftcap9.Pool),
        ["PoolCausal10"] = Of<PoolCausal10>(0f, PoolCausal10.Pool, PoolCausal10.Pool),
        ["PoolDoc40"] = Of<PoolDoc40>(0f, PoolDoc40.Pool, PoolDoc40.Pool),
        ["Single1"] = Of<Single1>(0f, Single1.Pool, Single1.Pool),
        ["Odd37"] = Of<Odd37>(0f, Odd37.Pool, Odd37.Pool),
        ["Encoder128"] = Of<Encoder128>(0f, Encoder128.Pool, Encoder128.Pool),
    };

    public static IEnumerable<object[]> PoolNames() => PoolKernels.Keys.Select(name => new object[] { name });

    // ------------------------------------------------------------------ pooling

    /// <summary>Pool in double: cross-attention of the one-row query over the first <paramref name="rows"/> rows.</summary>
    private static double[] PoolReference(PoolKernel kernel, float[] x, float[] query, int rows)
    {
        float[] keys = x.AsSpan(0, rows * kernel.Dim).ToArray();
        double[] expected = new double[kernel.Dim];
        if (kernel.Softcap == 0f)
        {
            AttentionReference.Attend(query, keys, keys, expected, 1, rows, kernel.Dim, kernel.Heads, kernel.Scale, causal: false);
            return expected;
        }
        int hd = kernel.Dim / kernel.Heads;
        double[] p = new double[rows];
        for (int h = 0; h < kernel.Heads; h++)
        {
            for (int j = 0; j < rows; j++)
            {
                double dot = 0;
                for (int d = h * hd; d < (h + 1) * hd; d++) dot += (double)query[d] * keys[j * kernel.Dim + d];
                p[j] = kernel.Softcap * Math.Tanh(dot * kernel.Scale / kernel.Softcap);
            }
            double max = p.Max(), sum = 0;
            for (int j = 0; j < rows; j++) sum += p[j] = Math.Exp(p[j] - max);
            for (int d = h * hd; d < (h + 1) * hd; d++)
            {
                double acc = 0;
                for (int j = 0; j < rows; j++) acc += p[j] * keys[j * kernel.Dim + d];
                expected[d] = acc / sum;
            }
        }
        return expected;
    }

    private static double PoolBound(PoolKernel kernel, float[] x, float[] query, int rows) =>
        TestData.KernelBound(query, x.AsSpan(0, rows * kernel.Dim).ToArray(), 1, rows, kernel.Dim, kernel.Heads, kernel.Scale);

    [Theory]
    [MemberData(nameof(PoolNames))]
    public void PoolMatchesReference(string name)
    {
        PoolKernel kernel = PoolKernels[name];
        foreach (int seed in new[] { 11, 12 })
        {
            float[] x = TestData.Gaussian(seed, kernel.SeqLen * kernel.Dim), query = TestData.Gaussian(seed + 100, kernel.Dim);
            float[] output = new float[kernel.Dim];
            kernel.Pool(x, query, output);
            double error = TestData.MaxError(output, PoolReference(kernel, x, query, kernel.SeqLen));
            double bound = PoolBound(kernel, x, query, kernel.SeqLen);
            Assert.True(error <= bound, $"{name} [{TestData.ActivePath}]: max |error| {error:E3} exceeds {bound:E3}");
        }
    }

    [Theory]
    [MemberData(nameof(PoolNames))]
    public void PoolOverValidRowsMatchesReferenceAndNeverReadsPadding(string name)
    {
        PoolKernel kernel = PoolKernels[name];
        foreach (int rows in new[] { 1, (kernel.SeqLen + 1) / 2, kernel.SeqLen }.Distinct())
        {
            float[] x = TestData.Gaussian(rows, kernel.SeqLen * kernel.Dim), query = TestData.Gaussian(rows + 7, kernel.Dim);
            double[] expected = PoolReference(kernel, x, query, rows);
            x.AsSpan(rows * kernel.Dim).Fill(float.NaN);   // padding: any read of it would make the output NaN
            float[] output = new float[kernel.Dim];
            kernel.PoolValid(x, query, output, rows);
            double error = TestData.MaxError(output, expected);
            double bound = PoolBound(kernel, x, query, rows);
            Assert.True(error <= bound, $"{name} validRows {rows} [{TestData.ActivePath}]: max |error| {error:E3} exceeds {bound:E3}");
        }
    }

    [Fact]
    public void PoolWithAllRowsValidEqualsPool()
    {
        PoolKernel kernel = PoolKernels["PoolDoc40"];
        float[] x = TestData.Gaussian(21, kernel.SeqLen * kernel.Dim), query = TestData.Gaussian(22, kernel.Dim);
        float[] a = new float[kernel.Dim], b = new float[kernel.Dim];
        kernel.Pool(x, query, a);
        kernel.PoolValid(x, query, b, kernel.SeqLen);
        Assert.Equal(a, b);
    }

    [Theory]
    [MemberData(nameof(PoolNames))]
    public void PoolOfIdenticalRowsReturnsThatRow(string name)
    {
        // The weights sum to 1: whatever the scores, Σ_j p_j·r = r.
        PoolKernel kernel = PoolKernels[name];
        float[] row = TestData.Gaussian(31, kernel.Dim), query = TestData.Gaussian(32, kernel.Dim);
        float[] x = Enumerable.Range(0, kernel.SeqLen).SelectMany(_ => row).ToArray();
        float[] output = new float[kernel.Dim];
        kernel.Pool(x, query, output);
        double bound = PoolBound(kernel, x, query, kernel.SeqLen) * Math.Max(1, row.Max(Math.Abs));
        double error = TestData.MaxError(output, row.Select(f => (double)f).ToArray());
        Assert.True(error <= bound, $"{name}: pooling identical rows is off the row by {error:E3} (bound {bound:E3})");
    }

    [Theory]
    [MemberData(nameof(PoolNames))]
    public void PoolIsInvariantToRowOrder(string name)
    {
        PoolKernel kernel = PoolKernels[name];
        float[] x = TestData.Gaussian(41, kernel.SeqLen * kernel.Dim), query = TestData.Gaussian(42, kernel.Dim);
        int[] order = Enumerable.Range(0, kernel.SeqLen).Reverse().ToArray();
        new Random(43).Shuffle(order);
        float[] permuted = new float[x.Length];
        for (int j = 0; j < kernel.SeqLen; j++)
        {
            x.AsSpan(order[j] * kernel.Dim, kernel.Dim).CopyTo(permuted.AsSpan(j * kernel.Dim));
        }
        float[] a = new float[kernel.Dim], b = new float[kernel.Dim];
        kernel.Pool(x, query, a);
        kernel.Pool(permuted, query, b);
        double bound = 2 * PoolBound(kernel, x, query, kernel.SeqLen);   // both within the bound of the same float64 value
        double error = TestData.MaxError(a, b.Select(f => (double)f).ToArray());
        Assert.True(error <= bound, $"{name}: permuting the rows moved the pooled vector by {error:E3} (bound {bound:E3})");
    }

    [Fact]
    public void PoolAttendsToTheMatchingRow()
    {
        // A query aligned with one row (large scale) puts almost all the weight on it.
        PoolKernel kernel = PoolKernels["PoolOdd7"];
        float[] x = TestData.Gaussian(51, kernel.SeqLen * kernel.Dim);
        float[] query = x.AsSpan(3 * kernel.Dim, kernel.Dim).ToArray().Select(f => 20 * f).ToArray();
        float[] output = new float[kernel.Dim];
        kernel.Pool(x, query, output);
        double error = TestData.MaxError(output, x.AsSpan(3 * kernel.Dim, kernel.Dim).ToArray().Select(f => (double)f).ToArray());
        Assert.True(error < 1e-3, $"pooled vector is {error:E3} from the matching row");
    }

    [Fact]
    public void PoolRejectsBadArgumentsAndWritesNothing()
    {
        int n = PoolWords12.SeqLen * PoolWords12.Dim, d = PoolWords12.Dim;
        float[] x = TestData.Gaussian(61, n), query = TestData.Gaussian(62, d);
        float[] output = Enumerable.Repeat(5f, d).ToArray();
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => PoolWords12.Pool(x.AsSpan(1), query, output)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => PoolWords12.Pool(x, query.AsSpan(1), output)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => PoolWords12.Pool(x, query, output.AsSpan(1))).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => PoolWords12.Pool(x, x.AsSpan(0, d), x.AsSpan(d, d))).ParamName);
        float[] shared = TestData.Gaussian(63, 2 * d);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => PoolWords12.Pool(x, shared.AsSpan(0, d), shared.AsSpan(d / 2, d))).ParamName);
        foreach (int rows in new[] { 0, -1, PoolWords12.SeqLen + 1, int.MinValue })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => PoolWords12.Pool(x, query, output, rows));
            Assert.Equal("validRows", ex.ParamName);
        }
        Assert.All(output, value => Assert.Equal(5f, value));
    }

    // ------------------------------------------------------------------ concatenation

    private static void AssertConcat(ConcatFn concat, int seqLen, int dim, int heads, float scale, bool causal, int seed)
    {
        float[] x = TestData.Gaussian(seed, seqLen * dim);
        float[] output = new float[2 * seqLen * dim];
        concat(x, output);
        double[] reference = new double[seqLen * dim];
        AttentionReference.Attend(x, x, x, reference, seqLen, seqLen, dim, heads, scale, causal);
        double bound = TestData.KernelBound(x, x, seqLen, seqLen, dim, heads, scale);
        for (int i = 0; i < seqLen; i++)
        {
            Assert.True(x.AsSpan(i * dim, dim).SequenceEqual(output.AsSpan(2 * i * dim, dim)), $"row {i}: columns [0, Dim) are not x_{i}");
            double error = TestData.MaxError(output.AsSpan((2 * i + 1) * dim, dim), reference.AsSpan(i * dim, dim));
            Assert.True(error <= bound, $"row {i}: context off the reference by {error:E3} (bound {bound:E3})");
        }
    }

    [Fact] public void ConcatOdd37() => AssertConcat(Odd37.SelfAttendConcat, Odd37.SeqLen, Odd37.Dim, Odd37.Heads, Odd37.Scale, Odd37.Causal, 71);
    [Fact] public void ConcatCausal37() => AssertConcat(OddCausal37.SelfAttendConcat, OddCausal37.SeqLen, OddCausal37.Dim, OddCausal37.Heads, OddCausal37.Scale, OddCausal37.Causal, 72);
    [Fact] public void ConcatSingleRow() => AssertConcat(Single1.SelfAttendConcat, Single1.SeqLen, Single1.Dim, Single1.Heads, Single1.Scale, Single1.Causal, 73);
    [Fact] public void ConcatSentence6() => AssertConcat(Sentence6.SelfAttendConcat, Sentence6.SeqLen, Sentence6.Dim, Sentence6.Heads, Sentence6.Scale, Sentence6.Causal, 74);

    [Fact]
    public void ConcatContextIsBitIdenticalToSelfAttend()
    {
        int n = Encoder128.SeqLen * Encoder128.Dim, d = Encoder128.Dim;
        float[] x = TestData.Gaussian(75, n), context = new float[n], output = new float[2 * n];
        Encoder128.SelfAttend(x, context);
        Encoder128.SelfAttendConcat(x, output);
        for (int i = 0; i < Encoder128.SeqLen; i++)
        {
            Assert.True(context.AsSpan(i * d, d).SequenceEqual(output.AsSpan((2 * i + 1) * d, d)), $"row {i}");
            Assert.True(x.AsSpan(i * d, d).SequenceEqual(output.AsSpan(2 * i * d, d)), $"row {i}");
        }
    }

    [Fact]
    public void ConcatRejectsBadArgumentsAndWritesNothing()
    {
        int n = Odd37.SeqLen * Odd37.Dim;
        float[] x = TestData.Gaussian(76, n);
        float[] output = Enumerable.Repeat(5f, 2 * n).ToArray();
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendConcat(x.AsSpan(1), output)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendConcat(x, output.AsSpan(0, n))).ParamName);
        Assert.All(output, value => Assert.Equal(5f, value));
        float[] shared = new float[3 * n];
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendConcat(shared.AsSpan(2 * n - 1, n), shared.AsSpan(0, 2 * n))).ParamName);
    }

    // ------------------------------------------------------------------ batches

    private static readonly int[] Degrees = { 1, 2, 4, -1 };

    /// <summary>AttendBatch (serial and with every degree) equals <paramref name="batch"/> single calls, bit for bit.</summary>
    private static void AssertBatchIsPerSequence<T>(BatchFn serial, BatchParallelFn parallel, int batch, int seed) where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(seed, batch * n), k = TestData.Gaussian(seed + 1, batch * n), v = TestData.Gaussian(seed + 2, batch * n);
        float[] expected = new float[batch * n];
        for (int b = 0; b < batch; b++)
        {
            T.Attend(q.AsSpan(b * n, n), k.AsSpan(b * n, n), v.AsSpan(b * n, n), expected.AsSpan(b * n, n));
        }
        float[] actual = new float[batch * n];
        serial(q, k, v, actual, batch);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(T).Name} AttendBatch(batch {batch}) differs from per-sequence Attend");
        foreach (int degree in Degrees)
        {
            actual.AsSpan().Fill(float.NaN);
            parallel(q, k, v, actual, batch, new ParallelOptions { MaxDegreeOfParallelism = degree });
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(T).Name} AttendBatch(batch {batch}, MaxDegreeOfParallelism {degree}) differs from per-sequence Attend");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void BatchEncoderIsPerSequence(int batch) => AssertBatchIsPerSequence<Encoder128>(Encoder128.AttendBatch, Encoder128.AttendBatch, batch, 80 + batch);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void BatchInterleavedBlocksIsPerSequence(int batch) => AssertBatchIsPerSequence<Parallel130>(Parallel130.AttendBatch, Parallel130.AttendBatch, batch, 90 + batch);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    public void BatchCausalIsPerSequence(int batch) => AssertBatchIsPerSequence<ParallelCausal257>(ParallelCausal257.AttendBatch, ParallelCausal257.AttendBatch, batch, 100 + batch);

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void BatchSmallCausalStaysCorrect(int batch) => AssertBatchIsPerSequence<OddCausal37>(OddCausal37.AttendBatch, OddCausal37.AttendBatch, batch, 110 + batch);

    [Fact]
    public void BatchOfSingleRowsIsPerSequence() => AssertBatchIsPerSequence<Single1>(Single1.AttendBatch, Single1.AttendBatch, 13, 120);

    private static void AssertSelfBatch<T>(SelfBatchFn serial, SelfBatchParallelFn parallel, int batch, int seed) where T : ISelfAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] x = TestData.Gaussian(seed, batch * n);
        float[] expected = new float[batch * n];
        for (int b = 0; b < batch; b++)
        {
            T.SelfAttend(x.AsSpan(b * n, n), expected.AsSpan(b * n, n));
        }
        float[] actual = new float[batch * n];
        serial(x, actual, batch);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(T).Name} SelfAttendBatch(batch {batch}) differs from per-sequence SelfAttend");
        foreach (int degree in Degrees)
        {
            actual.AsSpan().Fill(float.NaN);
            parallel(x, actual, batch, new ParallelOptions { MaxDegreeOfParallelism = degree });
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{typeof(T).Name} SelfAttendBatch(batch {batch}, MaxDegreeOfParallelism {degree}) differs");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SelfBatchEncoderIsPerSequence(int batch) => AssertSelfBatch<Encoder128>(Encoder128.SelfAttendBatch, Encoder128.SelfAttendBatch, batch, 130 + batch);

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void SelfBatchCausalIsPerSequence(int batch) => AssertSelfBatch<ParallelCausal257>(ParallelCausal257.SelfAttendBatch, ParallelCausal257.SelfAttendBatch, batch, 140 + batch);

    [Fact]
    public void BatchMatchesReference()
    {
        const int batch = 3;
        int n = Odd37.SeqLen * Odd37.Dim;
        float[] q = TestData.Gaussian(150, batch * n), k = TestData.Gaussian(151, batch * n), v = TestData.Gaussian(152, batch * n);
        float[] output = new float[batch * n];
        Odd37.AttendBatch(q, k, v, output, batch, new ParallelOptions());
        for (int b = 0; b < batch; b++)
        {
            float[] qb = q.AsSpan(b * n, n).ToArray(), kb = k.AsSpan(b * n, n).ToArray(), vb = v.AsSpan(b * n, n).ToArray();
            double[] reference = new double[n];
            AttentionReference.Attend(qb, kb, vb, reference, Odd37.SeqLen, Odd37.SeqLen, Odd37.Dim, Odd37.Heads, Odd37.Scale, Odd37.Causal);
            double error = TestData.MaxError(output.AsSpan(b * n, n), reference);
            double bound = TestData.KernelBound(qb, kb, Odd37.SeqLen, Odd37.SeqLen, Odd37.Dim, Odd37.Heads, Odd37.Scale);
            Assert.True(error <= bound, $"sequence {b}: {error:E3} exceeds {bound:E3}");
        }
    }

    [Fact]
    public void BatchRejectsBadArgumentsAndWritesNothing()
    {
        int n = Odd37.SeqLen * Odd37.Dim;
        float[] q = TestData.Gaussian(160, 2 * n);
        float[] output = Enumerable.Repeat(5f, 2 * n).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        foreach (int batch in new[] { 0, -1, int.MinValue })
        {
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Odd37.AttendBatch(q, q, q, output, batch)).ParamName);
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Odd37.AttendBatch(q, q, q, output, batch, options)).ParamName);
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Odd37.SelfAttendBatch(q, output, batch)).ParamName);
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Odd37.SelfAttendBatch(q, output, batch, options)).ParamName);
        }
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q.AsSpan(1), q, q, output, 2)).ParamName);
        Assert.Equal("k", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q, q.AsSpan(1), q, output, 2)).ParamName);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q, q, q.AsSpan(1), output, 2, options)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q, q, q, output.AsSpan(1), 2)).ParamName);
        Assert.Equal("q", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q, q, q, output, 3)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendBatch(q, output, 1)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendBatch(q, output.AsSpan(n), 2, options)).ParamName);
        Assert.All(output, value => Assert.Equal(5f, value));
    }

    [Fact]
    public void BatchLengthsCannotOverflowIntoAMatch()
    {
        // Encoder128 has 98,304 = 3·2¹⁵ floats per sequence: in 32 bits, 2¹⁷ sequences would be 3·2³² ≡ 0 floats.
        var ex = Assert.Throws<ArgumentException>(() => Encoder128.AttendBatch(default, default, default, default, 1 << 17));
        Assert.Equal("q", ex.ParamName);
        Assert.Contains("12884901888", ex.Message);   // batch × 98,304 computed in 64 bits
        Assert.Throws<ArgumentException>(() => Encoder128.SelfAttendBatch(default, default, 1 << 17, new ParallelOptions()));
    }

    [Fact]
    public void BatchRejectsOverlapAndNullOptions()
    {
        int n = Odd37.SeqLen * Odd37.Dim;
        float[] buffer = TestData.Gaussian(170, 3 * n);
        float[] q = TestData.Gaussian(171, 2 * n), output = new float[2 * n];
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(buffer.AsSpan(0, 2 * n), q, q, buffer.AsSpan(n, 2 * n), 2)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.AttendBatch(q, q, buffer.AsSpan(0, 2 * n), buffer.AsSpan(n, 2 * n), 2, new ParallelOptions())).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Odd37.SelfAttendBatch(buffer.AsSpan(0, 2 * n), buffer.AsSpan(n, 2 * n), 2)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Odd37.AttendBatch(q, q, q, output, 2, null!));
        Assert.Throws<ArgumentNullException>(() => Odd37.SelfAttendBatch(q, output, 2, null!));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Odd37.AttendBatch(q, q, q, output, 2, new ParallelOptions { CancellationToken = cancelled.Token }));
        Assert.All(output, value => Assert.Equal(0f, value));
    }

    // ------------------------------------------------------------------ allocation

    [Fact]
    public void LayerCallsDoNotAllocateOnceWarm()
    {
        const int batch = 3;
        int n = Encoder128.SeqLen * Encoder128.Dim;
        float[] x = TestData.Gaussian(180, batch * n), output = new float[batch * n], concat = new float[2 * n], pooled = new float[Encoder128.Dim];
        float[] query = TestData.Gaussian(181, Encoder128.Dim);
        var two = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        void Calls()
        {
            Encoder128.SelfAttendBatch(x, output, batch);
            Encoder128.SelfAttendBatch(x, output, batch, two);
            Encoder128.SelfAttendBatch(x.AsSpan(0, n), output.AsSpan(0, n), 1, two);   // split inside the sequence
            Encoder128.SelfAttendConcat(x.AsSpan(0, n), concat);
            Encoder128.Pool(x.AsSpan(0, n), query, pooled);
            Encoder128.Pool(x.AsSpan(0, n), query, pooled, 77);
        }
        for (int i = 0; i < 3; i++) Calls();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Calls();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"layer calls allocated {allocated} bytes on the calling thread");
    }
}
