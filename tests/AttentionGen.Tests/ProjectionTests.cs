using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AttentionGen.Runtime;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Tests;

/// <summary>
/// The generated <c>Forward</c> (<c>Projections = true</c>) against the float64 layer reference
/// (<see cref="AttentionReference.Forward"/>), the PyTorch weight factory and bad input.
/// </summary>
public sealed class ProjectionTests
{
    public delegate void SelfForward(ReadOnlySpan<float> x, AttentionWeights weights, Span<float> output);

    public delegate void CrossForward(ReadOnlySpan<float> x, ReadOnlySpan<float> source, AttentionWeights weights, Span<float> output);

    public sealed record Layer(string Name, AttentionProblem Problem, SelfForward? Self, CrossForward Cross);

    private static readonly Dictionary<string, Layer> s_layers = new[]
    {
        new Layer("H1_S7_D16", new AttentionProblem(7, 16, 1), Proj_H1_S7_D16.Forward, Proj_H1_S7_D16.Forward),
        new Layer("H4_S33_D20", new AttentionProblem(33, 20, 4), Proj_H4_S33_D20.Forward, Proj_H4_S33_D20.Forward),
        new Layer("H4_S33_D64_Causal", new AttentionProblem(33, 64, 4) { Causal = true }, Proj_H4_S33_D64_Causal.Forward, Proj_H4_S33_D64_Causal.Forward),
        new Layer("H4_S1_D64", new AttentionProblem(1, 64, 4), Proj_H4_S1_D64.Forward, Proj_H4_S1_D64.Forward),
        new Layer("H12_S128_D768", new AttentionProblem(128, 768, 12), Proj_H12_S128_D768.Forward, Proj_H12_S128_D768.Forward),
        new Layer("H4_S7_D200", new AttentionProblem(7, 200, 4) { Scale = 1f }, Proj_H4_S7_D200.Forward, Proj_H4_S7_D200.Forward),
        new Layer("H4_S7_K33_D64", new AttentionProblem(7, 64, 4) { KeyLen = 33 }, null, Proj_H4_S7_K33_D64.Forward),
        new Layer("H4_Kv2_S16_D64", new AttentionProblem(16, 64, 4) { KvHeads = 2 }, Proj_H4_Kv2_S16_D64.Forward, Proj_H4_Kv2_S16_D64.Forward),
        new Layer("H4_S100_D200", new AttentionProblem(100, 200, 4), Proj_H4_S100_D200.Forward, Proj_H4_S100_D200.Forward),
        new Layer("H8_Kv2_S96_K300_D256_Causal", Proj_H8_Kv2_S96_K300_D256_Causal.Problem, null, Proj_H8_Kv2_S96_K300_D256_Causal.Forward),
    }.ToDictionary(l => l.Name);

    private readonly ITestOutputHelper _output;

    public ProjectionTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> SelfAttentionLayers() =>
        new[] { "H1_S7_D16", "H4_S33_D20", "H4_S33_D64_Causal", "H4_S1_D64", "H12_S128_D768", "H4_S7_D200" }.Select(n => new object[] { n });

    /// <summary>Weights ~ N(0, 1/Dim) (so projections of N(0,1) inputs stay O(1)), biases uniform in [−0.5, 0.5].</summary>
    internal static AttentionWeights RandomWeights(int seed, int dim, int kvDim, bool biases = true)
    {
        float[] Scaled(float[] a)
        {
            float f = 1f / MathF.Sqrt(dim);
            for (int i = 0; i < a.Length; i++) a[i] *= f;
            return a;
        }
        return new AttentionWeights(dim, kvDim,
            Scaled(TestData.Gaussian(seed, dim * dim)), Scaled(TestData.Gaussian(seed + 1, dim * kvDim)),
            Scaled(TestData.Gaussian(seed + 2, dim * kvDim)), Scaled(TestData.Gaussian(seed + 3, dim * dim)),
            biases ? TestData.Uniform(seed + 4, dim, -0.5f, 0.5f) : default,
            biases ? TestData.Uniform(seed + 5, kvDim, -0.5f, 0.5f) : default,
            biases ? TestData.Uniform(seed + 6, kvDim, -0.5f, 0.5f) : default,
            biases ? TestData.Uniform(seed + 7, dim, -0.5f, 0.5f) : default);
    }

    /// <summary>
    /// The accuracy bound of <c>Forward</c> against the float64 layer reference, built like <see cref="TestData.KernelBound"/>
    /// (whose dot-product term is 1e-6 · A/3, A = Σ|terms|) and carried through the layer:
    /// <list type="number">
    /// <item>Projection: each element of Q, K, V is a float32 dot product of Dim terms plus a bias, so its error is
    /// <c>e_P = 1e-6 · A_P / 3</c>, A_P = the largest Σ_t |x_t·W[t, o]| + |b_o| of that projection.</item>
    /// <item>Context C: the kernel's own bound on the float projected Q and K (KernelBound), times max(1, max|V|) since
    /// KernelBound is for values of magnitude ≈ 1; plus e_V (C is a convex combination of value rows); plus the score
    /// error caused by Q's and K's errors, Scale·e_QK·(‖q_h‖₂ + ‖k_h‖₂) (independent rounding errors add as a 2-norm,
    /// as they do in KernelBound's dot products), which moves C by at most about that times max|V|.</item>
    /// <item>Output: C's error times the largest column 2-norm ‖W_O[·, o]‖₂ (again independent errors), plus the output
    /// projection's own rounding 1e-6 · max(1, A_O / 3), A_O = the largest Σ_t |C_t·W_O[t, o]| + |b_o| (C in double).</item>
    /// </list>
    /// Not a worst-case bound (neither is KernelBound): with N(0, 1) inputs and N(0, 1/Dim) weights it sits 10-40× above
    /// the measured errors (printed by the tests), which are ≈ 1e-6 up to Dim 768.
    /// </summary>
    internal static double ForwardBound(AttentionProblem p, float[] x, float[] source, AttentionWeights w)
    {
        int s = p.SeqLen, kl = p.KeyLen, d = p.Dim, kvd = p.KvDim, hd = p.HeadDim, group = p.Heads / p.KvHeads;
        (float[] q, double aq) = Project(x, s, d, w.QueryWeight.ToArray(), w.QueryBias.ToArray(), d);
        (float[] k, double ak) = Project(source, kl, d, w.KeyWeight.ToArray(), w.KeyBias.ToArray(), kvd);
        (float[] v, double av) = Project(source, kl, d, w.ValueWeight.ToArray(), w.ValueBias.ToArray(), kvd);
        double eQK = 1e-6 * Math.Max(aq, ak) / 3, eV = 1e-6 * av / 3;
        double maxV = Math.Max(1.0, v.Max(t => Math.Abs(t)));
        // Keys and values expanded to [KeyLen, Dim] (query head h reads key/value head h / group).
        float[] kExpanded = new float[kl * d], vExpanded = new float[kl * d];
        for (int j = 0; j < kl; j++)
            for (int c = 0; c < d; c++)
            {
                kExpanded[j * d + c] = k[j * kvd + c / hd / group * hd + c % hd];
                vExpanded[j * d + c] = v[j * kvd + c / hd / group * hd + c % hd];
            }
        double scale = p.EffectiveScale;
        double attention = TestData.KernelBound(q, kExpanded, s, kl, d, p.Heads, scale) * maxV;
        double l2 = HeadL2(q, s, d, hd) + HeadL2(kExpanded, kl, d, hd);
        double eC = attention + eV + Math.Abs(scale) * eQK * l2 * maxV;

        double[] context = new double[s * d];
        AttentionReference.Attend(q, kExpanded, vExpanded, context, s, kl, d, p.Heads, scale, p.Causal);
        double columnNorm = 0, aOut = 0;
        ReadOnlySpan<float> wo = w.OutputWeight;
        for (int o = 0; o < d; o++)
        {
            double sq = 0;
            for (int t = 0; t < d; t++) sq += (double)wo[t * d + o] * wo[t * d + o];
            columnNorm = Math.Max(columnNorm, Math.Sqrt(sq));
            for (int i = 0; i < s; i++)
            {
                double abs = Math.Abs(w.OutputBias[o]);
                for (int t = 0; t < d; t++) abs += Math.Abs(context[i * d + t] * wo[t * d + o]);
                aOut = Math.Max(aOut, abs);
            }
        }
        return eC * columnNorm + 1e-6 * Math.Max(1.0, aOut / 3);
    }

    private static (float[] Values, double MaxAbsSum) Project(float[] a, int m, int k, float[] w, float[] b, int n)
    {
        float[] c = new float[m * n];
        double maxAbs = 0;
        for (int i = 0; i < m; i++)
            for (int o = 0; o < n; o++)
            {
                double acc = 0, abs = 0;
                for (int t = 0; t < k; t++)
                {
                    double term = (double)a[i * k + t] * w[t * n + o];
                    acc += term;
                    abs += Math.Abs(term);
                }
                c[i * n + o] = (float)(acc + b[o]);
                maxAbs = Math.Max(maxAbs, abs + Math.Abs(b[o]));
            }
        return (c, maxAbs);
    }

    /// <summary>The largest 2-norm of one head's slice of one row.</summary>
    private static double HeadL2(float[] a, int rows, int dim, int headDim)
    {
        double max = 0;
        for (int i = 0; i < rows; i++)
            for (int h = 0; h < dim / headDim; h++)
            {
                double sum = 0;
                for (int c = 0; c < headDim; c++) sum += (double)a[i * dim + h * headDim + c] * a[i * dim + h * headDim + c];
                max = Math.Max(max, Math.Sqrt(sum));
            }
        return max;
    }

    private void AssertMatches(Layer layer, int seed, bool useSelf)
    {
        AttentionProblem p = layer.Problem;
        float[] x = TestData.Gaussian(seed, p.SeqLen * p.Dim);
        float[] source = useSelf ? x : TestData.Gaussian(seed + 100, p.KeyLen * p.Dim);
        AttentionWeights weights = RandomWeights(seed + 200, p.Dim, p.KvDim);
        float[] output = new float[p.SeqLen * p.Dim];
        if (useSelf) layer.Self!(x, weights, output);
        else layer.Cross(x, source, weights, output);
        double[] expected = new double[output.Length];
        AttentionReference.Forward(p, x, source, weights, expected);
        double error = TestData.MaxError(output, expected);
        double bound = ForwardBound(p, x, source, weights);
        _output.WriteLine($"{layer.Name} {(useSelf ? "self" : "cross")} [{TestData.ActivePath}]: max |error| {error:E3}, bound {bound:E3} ({bound / error:F0}× the error)");
        Assert.True(error <= bound, $"{layer.Name} [{TestData.ActivePath}]: max |error| {error:E3} exceeds {bound:E3}");
    }

    [Theory]
    [MemberData(nameof(SelfAttentionLayers))]
    public void SelfAttentionForwardMatchesReference(string name) => AssertMatches(s_layers[name], 1000 + name.Length, useSelf: true);

    [Theory]
    [MemberData(nameof(SelfAttentionLayers))]
    public void CrossAttentionForwardWithAnotherSourceMatchesReference(string name) => AssertMatches(s_layers[name], 2000 + name.Length, useSelf: false);

    [Fact]
    public void CrossAttentionWithKeyLenOtherThanSeqLenMatchesReference() => AssertMatches(s_layers["H4_S7_K33_D64"], 3000, useSelf: false);

    [Fact]
    public void GroupedQueryAttentionForwardMatchesReference()
    {
        AssertMatches(s_layers["H4_Kv2_S16_D64"], 3100, useSelf: true);
        AssertMatches(s_layers["H4_Kv2_S16_D64"], 3200, useSelf: false);
    }

    [Fact]
    public void LargeLayersMatchReference()
    {
        AssertMatches(s_layers["H4_S100_D200"], 3300, useSelf: true);
        AssertMatches(s_layers["H8_Kv2_S96_K300_D256_Causal"], 3400, useSelf: false);
    }

    // ------------------------------------------------------------------ the parallel Forward

    public delegate void ParallelCross(ReadOnlySpan<float> x, ReadOnlySpan<float> source, AttentionWeights weights, Span<float> output, ParallelOptions parallel);

    private static readonly Dictionary<string, ParallelCross> s_parallel = new()
    {
        ["H4_S33_D20"] = Proj_H4_S33_D20.Forward,
        ["H12_S128_D768"] = Proj_H12_S128_D768.Forward,
        ["H4_S7_K33_D64"] = Proj_H4_S7_K33_D64.Forward,
        ["H4_S100_D200"] = Proj_H4_S100_D200.Forward,
        ["H8_Kv2_S96_K300_D256_Causal"] = Proj_H8_Kv2_S96_K300_D256_Causal.Forward,
    };

    public static IEnumerable<object[]> ParallelLayers() => s_parallel.Keys.SelectMany(n => new[] { new object[] { n, 2 }, new object[] { n, -1 }, new object[] { n, 3 } });

    /// <summary>
    /// Every projection is cut into strips of output columns (rows on the scalar path) and the attention into its units;
    /// each strip runs the serial tiles, so the parallel layer equals the serial one bit for bit. Small layers stay on the
    /// calling thread and must equal it too.
    /// </summary>
    [Theory]
    [MemberData(nameof(ParallelLayers))]
    public void ParallelForwardIsBitIdenticalToSerial(string name, int degree)
    {
        Layer layer = s_layers[name];
        AttentionProblem p = layer.Problem;
        float[] x = TestData.Gaussian(5000 + name.Length, p.SeqLen * p.Dim);
        float[] source = TestData.Gaussian(5100 + name.Length, p.KeyLen * p.Dim);
        AttentionWeights weights = RandomWeights(5200 + name.Length, p.Dim, p.KvDim);
        float[] serial = new float[p.SeqLen * p.Dim], parallel = new float[serial.Length];
        layer.Cross(x, source, weights, serial);
        var options = new ParallelOptions { MaxDegreeOfParallelism = degree };
        for (int round = 0; round < 3; round++)
        {
            Array.Fill(parallel, float.NaN);
            s_parallel[name](x, source, weights, parallel, options);
            Assert.True(serial.AsSpan().SequenceEqual(parallel), $"{name}, {degree} threads, round {round}: the parallel layer differs from the serial one");
        }
    }

    [Fact]
    public void ParallelSelfForwardEqualsSerial()
    {
        const int n = Proj_H4_S100_D200.SeqLen * Proj_H4_S100_D200.Dim;
        float[] x = TestData.Gaussian(5300, n);
        AttentionWeights w = RandomWeights(5301, 200, 200);
        float[] serial = new float[n], parallel = new float[n];
        Proj_H4_S100_D200.Forward(x, w, serial);
        Proj_H4_S100_D200.Forward(x, w, parallel, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        Assert.True(serial.AsSpan().SequenceEqual(parallel));
    }

    [Fact]
    public void ParallelForwardChecksItsOptionsBeforeWriting()
    {
        const int n = Proj_H4_S100_D200.SeqLen * Proj_H4_S100_D200.Dim;
        float[] x = TestData.Gaussian(5500, n);
        AttentionWeights w = RandomWeights(5501, 200, 200);
        float[] output = Enumerable.Repeat(7f, n).ToArray();
        var e = Assert.Throws<ArgumentNullException>(() => Proj_H4_S100_D200.Forward(x, w, output, (ParallelOptions)null!));
        Assert.Equal("parallel", e.ParamName);
        e = Assert.Throws<ArgumentNullException>(() => Proj_H4_S100_D200.Forward(x, x, w, output, (ParallelOptions)null!));
        Assert.Equal("parallel", e.ParamName);
        using var cts = new System.Threading.CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => Proj_H4_S100_D200.Forward(x, w, output, new ParallelOptions { CancellationToken = cts.Token }));
        // Arguments come first, the options after.
        var lengthError = Assert.Throws<ArgumentException>(() => Proj_H4_S100_D200.Forward(x.AsSpan(1), w, output, (ParallelOptions)null!));
        Assert.Equal("x", lengthError.ParamName);
        Assert.All(output, t => Assert.Equal(7f, t));
    }

    [Fact]
    public void ParallelForwardAllocatesNothingOnceWarm()
    {
        const int n = Proj_H12_S128_D768.SeqLen * Proj_H12_S128_D768.Dim;
        float[] x = TestData.Gaussian(5600, n), output = new float[n];
        AttentionWeights w = RandomWeights(5601, 768, 768);
        var two = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        for (int i = 0; i < 3; i++) Proj_H12_S128_D768.Forward(x, w, output, two);
        // As in ParallelTests: a round may see the pool's global queue grow a segment once when other test classes flood
        // it; a per-call allocation shows in every round.
        var rounds = new long[3];
        for (int round = 0; round < rounds.Length; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Proj_H12_S128_D768.Forward(x, w, output, two);
            rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (rounds[round] == 0) return;
        }
        Assert.Fail($"every round of 5 parallel Forward calls allocated on the calling thread: {string.Join(", ", rounds)} bytes");
    }

    [Fact]
    public void SelfForwardEqualsCrossForwardWithTheSameSequence()
    {
        float[] x = TestData.Gaussian(4000, Proj_H4_S33_D20.SeqLen * Proj_H4_S33_D20.Dim);
        AttentionWeights w = RandomWeights(4001, 20, 20);
        float[] a = new float[x.Length], b = new float[x.Length];
        Proj_H4_S33_D20.Forward(x, w, a);
        Proj_H4_S33_D20.Forward(x, x, w, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void ForwardIsDeterministicAndAllocatesNothingOnceWarm()
    {
        const int n = Proj_H12_S128_D768.SeqLen * Proj_H12_S128_D768.Dim;
        float[] x = TestData.Gaussian(4100, n);
        AttentionWeights w = RandomWeights(4101, 768, 768);
        float[] a = new float[n], b = new float[n];
        Proj_H12_S128_D768.Forward(x, w, a);
        Proj_H4_S33_D20.Forward(TestData.Gaussian(4102, 33 * 20), RandomWeights(4103, 20, 20), new float[33 * 20]);   // other scratch use in between
        long before = GC.GetAllocatedBytesForCurrentThread();
        Proj_H12_S128_D768.Forward(x, w, b);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(a, b);
        Assert.Equal(0, allocated);
    }

    // ------------------------------------------------------------------ biases and the PyTorch layout

    [Fact]
    public void OutputBiasAloneWhenOutputWeightIsZero()
    {
        const int d = 16;
        float[] bo = TestData.Uniform(4200, d);
        AttentionWeights w = new(d, TestData.Gaussian(4201, d * d), TestData.Gaussian(4202, d * d), TestData.Gaussian(4203, d * d), new float[d * d], outputBias: bo);
        float[] y = new float[7 * d];
        Proj_H1_S7_D16.Forward(TestData.Gaussian(4204, 7 * d), w, y);
        for (int i = 0; i < 7; i++) Assert.Equal(bo, y.AsSpan(i * d, d).ToArray());
    }

    [Fact]
    public void ValueBiasPassesThroughTheSoftmax()
    {
        // W_V = 0: every value row is b_V, so every context row is b_V (the weights sum to 1) and y = b_V·W_O + b_O.
        const int d = 16;
        float[] bv = TestData.Uniform(4300, d), bo = TestData.Uniform(4301, d);
        float[] wo = TestData.Gaussian(4302, d * d);
        AttentionWeights w = new(d, TestData.Gaussian(4303, d * d), TestData.Gaussian(4304, d * d), new float[d * d], wo, valueBias: bv, outputBias: bo);
        float[] y = new float[7 * d];
        Proj_H1_S7_D16.Forward(TestData.Gaussian(4305, 7 * d), w, y);
        for (int i = 0; i < 7; i++)
            for (int o = 0; o < d; o++)
            {
                double expected = bo[o];
                for (int t = 0; t < d; t++) expected += (double)bv[t] * wo[t * d + o];
                Assert.True(Math.Abs(y[i * d + o] - expected) <= 1e-5, $"y[{i}, {o}] = {y[i * d + o]}, expected {expected}");
            }
    }

    [Fact]
    public void FromPyTorchTransposesInProjAndOutProj()
    {
        const int d = 20;
        // PyTorch layout, [out, in]: in_proj_weight rows 0..d-1 are W_Qᵀ, d..2d-1 W_Kᵀ, 2d..3d-1 W_Vᵀ.
        float[] inProj = TestData.Gaussian(4400, 3 * d * d).Select(t => t / MathF.Sqrt(d)).ToArray();
        float[] inBias = TestData.Uniform(4401, 3 * d);
        float[] outProj = TestData.Gaussian(4402, d * d).Select(t => t / MathF.Sqrt(d)).ToArray();
        float[] outBias = TestData.Uniform(4403, d);
        AttentionWeights fromTorch = AttentionWeights.FromPyTorch(inProj, inBias, outProj, outBias, d);

        float[] T(int block) // W = (rows block·d.. of in_proj)ᵀ, [in, out]
        {
            float[] m = new float[d * d];
            for (int o = 0; o < d; o++)
                for (int i = 0; i < d; i++)
                    m[i * d + o] = inProj[(block * d + o) * d + i];
            return m;
        }
        float[] woT = new float[d * d];
        for (int o = 0; o < d; o++)
            for (int i = 0; i < d; i++)
                woT[i * d + o] = outProj[o * d + i];
        AttentionWeights explicitWeights = new(d, T(0), T(1), T(2), woT, inBias.AsSpan(0, d), inBias.AsSpan(d, d), inBias.AsSpan(2 * d, d), outBias);

        Assert.Equal(explicitWeights.QueryWeight.ToArray(), fromTorch.QueryWeight.ToArray());
        Assert.Equal(explicitWeights.KeyWeight.ToArray(), fromTorch.KeyWeight.ToArray());
        Assert.Equal(explicitWeights.ValueWeight.ToArray(), fromTorch.ValueWeight.ToArray());
        Assert.Equal(explicitWeights.OutputWeight.ToArray(), fromTorch.OutputWeight.ToArray());
        Assert.Equal(inBias.AsSpan(d, d).ToArray(), fromTorch.KeyBias.ToArray());
        Assert.Equal(outBias, fromTorch.OutputBias.ToArray());

        float[] x = TestData.Gaussian(4404, 33 * d);
        float[] a = new float[x.Length], b = new float[x.Length], noBias = new float[x.Length];
        Proj_H4_S33_D20.Forward(x, fromTorch, a);
        Proj_H4_S33_D20.Forward(x, explicitWeights, b);
        Assert.Equal(b, a);
        // The biases are used: without them the result differs.
        Proj_H4_S33_D20.Forward(x, AttentionWeights.FromPyTorch(inProj, default, outProj, default, d), noBias);
        Assert.True(a.Zip(noBias).Max(t => Math.Abs(t.First - t.Second)) > 0.1f);

        // A hand-written PyTorch check: y = (softmax((xW_qᵀ+b_q)(xW_kᵀ+b_k)ᵀ/√hd)(xW_vᵀ+b_v)) W_oᵀ + b_o, in double.
        double[] expected = new double[x.Length];
        AttentionReference.Forward(new AttentionProblem(33, d, 4), x, x, explicitWeights, expected);
        Assert.True(TestData.MaxError(a, expected) <= ForwardBound(new AttentionProblem(33, d, 4), x, x, explicitWeights));
    }

    [Theory]
    [InlineData(20, 20, 16)]    // one full panel of 16 + a last panel of 4
    [InlineData(200, 200, 64)]  // 3 panels of 64 + 8
    [InlineData(64, 32, 64)]    // W_K of a grouped-query layer: no full panel of 64, one of 32
    [InlineData(48, 48, 16)]    // exactly 3 panels
    public void PanelsHoldEveryColumnOfTheMatrixAtItsPlace(int dim, int kvDim, int width)
    {
        AttentionWeights w = RandomWeights(4600 + dim + width, dim, kvDim);
        foreach (int matrix in new[] { AttentionWeights.QueryMatrix, AttentionWeights.KeyMatrix, AttentionWeights.ValueMatrix, AttentionWeights.OutputMatrix })
        {
            float[] m = (matrix switch { 0 => w.QueryWeight, 1 => w.KeyWeight, 2 => w.ValueWeight, _ => w.OutputWeight }).ToArray();
            int cols = matrix is 1 or 2 ? kvDim : dim;
            float[] panels = w.Panels(matrix, width).ToArray();
            Assert.Equal(m.Length, panels.Length);
            int full = cols / width, r = cols - full * width;
            for (int t = 0; t < dim; t++)
                for (int col = 0; col < cols; col++)
                {
                    int s = col / width;
                    int at = s < full ? s * dim * width + t * width + col % width : full * dim * width + t * r + (col - full * width);
                    Assert.Equal(m[t * cols + col], panels[at]);
                }
            Assert.True(w.Panels(matrix, width) == w.Panels(matrix, width), "the panels are packed once and shared");
        }
        Assert.Equal("matrix", Assert.Throws<ArgumentOutOfRangeException>(() => w.Panels(4, width)).ParamName);
        Assert.Equal("matrix", Assert.Throws<ArgumentOutOfRangeException>(() => w.Panels(-1, width)).ParamName);
        Assert.Equal("width", Assert.Throws<ArgumentOutOfRangeException>(() => w.Panels(0, 32)).ParamName);
    }

    // ------------------------------------------------------------------ bad input

    [Fact]
    public void WrongLengthsNullWeightsAndMismatchedDimAreRejectedBeforeWriting()
    {
        const int n = 33 * 20;
        float[] x = TestData.Gaussian(4500, n);
        AttentionWeights w = RandomWeights(4501, 20, 20);
        float[] output = Enumerable.Repeat(7f, n).ToArray();

        var e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x.AsSpan(1), w, output));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("660", e.Message);
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x, w, output.AsSpan(1)));
        Assert.Equal("output", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x, x.AsSpan(20), w, output));
        Assert.Equal("keyValueSource", e.ParamName);
        Assert.Contains("KeyLen=33", e.Message);
        var nullError = Assert.Throws<ArgumentNullException>(() => Proj_H4_S33_D20.Forward(x, null!, output));
        Assert.Equal("weights", nullError.ParamName);
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x, RandomWeights(4502, 16, 16), output));
        Assert.Equal("weights", e.ParamName);
        Assert.Contains("Dim=16", e.Message);
        Assert.Contains("Dim=20", e.Message);
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x, RandomWeights(4503, 20, 10), output));
        Assert.Contains("KvDim=10", e.Message);
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(x, w, x));
        Assert.Equal("output", e.ParamName);
        float[] both = new float[2 * n];
        e = Assert.Throws<ArgumentException>(() => Proj_H4_S33_D20.Forward(both.AsSpan(0, n), both.AsSpan(n / 2, n), w, both.AsSpan(n, n)));
        Assert.Equal("output", e.ParamName);
        Assert.All(output, t => Assert.Equal(7f, t));
    }

    [Fact]
    public void AttentionWeightsValidatesEveryLengthAndCopiesItsInputs()
    {
        const int d = 8;
        float[] sq = new float[d * d];
        var e = Assert.Throws<ArgumentException>(() => new AttentionWeights(d, sq, new float[d * d - 1], sq, sq));
        Assert.Equal("keyWeight", e.ParamName);
        Assert.Contains("64", e.Message);
        Assert.Contains("63", e.Message);
        Assert.Contains("[Dim=8, KvDim=8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => new AttentionWeights(d, 4, sq, new float[d * 4], new float[d * 8], sq));
        Assert.Equal("valueWeight", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new AttentionWeights(d, sq, sq, sq, sq, outputBias: new float[d + 1]));
        Assert.Equal("outputBias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new AttentionWeights(d, 4, sq, new float[d * 4], new float[d * 4], sq, keyBias: new float[d]));
        Assert.Equal("keyBias", e.ParamName);
        Assert.Contains("KvDim=4", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AttentionWeights(0, sq, sq, sq, sq));
        e = Assert.Throws<ArgumentException>(() => AttentionWeights.FromPyTorch(new float[2 * d * d], default, sq, default, d));
        Assert.Equal("inProjWeight", e.ParamName);
        Assert.Contains("[3·Dim=24, Dim=8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => AttentionWeights.FromPyTorch(new float[3 * d * d], new float[d], sq, default, d));
        Assert.Equal("inProjBias", e.ParamName);

        float[] wq = TestData.Gaussian(4600, d * d);
        float[] bo = TestData.Uniform(4601, d);
        var w = new AttentionWeights(d, wq, sq, sq, sq, outputBias: bo);
        float before = w.QueryWeight[5];
        wq[5] += 1f;
        bo[0] += 1f;
        Assert.Equal(before, w.QueryWeight[5]);
        Assert.NotEqual(bo[0], w.OutputBias[0]);
        Assert.All(w.QueryBias.ToArray(), t => Assert.Equal(0f, t));
        Assert.Equal(d, w.KvDim);
    }
}
