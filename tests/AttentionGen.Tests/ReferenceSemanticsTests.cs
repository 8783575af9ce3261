using System;
using System.Collections.Generic;
using System.Linq;
using AttentionGen.Runtime;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The semantics of <see cref="AttentionProblem"/> and <see cref="KernelMask"/> (the contract every path follows)
/// as computed by the float64 <see cref="AttentionReference"/>, each option checked against an independent
/// formulation (a window against the equivalent additive band mask, GQA against MHA with repeated K/V heads, …);
/// then <see cref="ScalarAttention"/> against the reference over a grid of shapes and options, within the
/// kernels' accuracy bound (<see cref="TestData.KernelBound"/>'s formula).
/// </summary>
public sealed class ReferenceSemanticsTests
{
    // ------------------------------------------------------------------ helpers

    /// <summary>A mask described by arrays, so a test can build its <see cref="KernelMask"/> (a ref struct) where it needs it.</summary>
    private sealed record Mask(MaskKind Kind, int ValidKeys = 0, float[]? Additive = null, bool[]? Allowed = null, byte[]? Bits = null, int Rows = 0, int Cols = 0)
    {
        public static readonly Mask None = new(MaskKind.None);

        public KernelMask Get() => Kind switch
        {
            MaskKind.Additive => KernelMask.FromAdditive(Additive!),
            MaskKind.Allowed => KernelMask.FromAllowed(Allowed!),
            MaskKind.Bits => KernelMask.FromBits(new BitMask(Bits!, Rows, Cols)),
            _ => ValidKeys == 0 ? default : KernelMask.Padding(ValidKeys),
        };

        public static Mask Pad(int validKeys) => new(MaskKind.None, ValidKeys: validKeys);

        public static Mask FromBools(bool[] allowed, int rows, int cols)
        {
            byte[] bits = new byte[rows * BitMask.BytesFor(cols)];
            BitMask.Pack(allowed, rows, cols, bits);
            return new Mask(MaskKind.Bits, Bits: bits, Rows: rows, Cols: cols);
        }

        public override string ToString() => ValidKeys != 0 ? $"Padding({ValidKeys})" : Kind.ToString();
    }

    private static double[] Ref(AttentionProblem p, float[] q, float[] k, float[] v, Mask? mask = null, double[]? weights = null)
    {
        double[] o = new double[p.SeqLen * p.Dim];
        AttentionReference.Attend(p, q, k, v, o, (mask ?? Mask.None).Get(), weights);
        return o;
    }

    private static float[] Scalar(AttentionProblem p, float[] q, float[] k, float[] v, Mask? mask = null, float[]? weights = null)
    {
        float[] o = new float[p.SeqLen * p.Dim];
        KernelMask m = (mask ?? Mask.None).Get();
        ScalarAttention.Attend(p, q, k, v, o, m, weights);
        return o;
    }

    private static (float[] Q, float[] K, float[] V) Inputs(AttentionProblem p, int seed) =>
        (TestData.Gaussian(seed, p.SeqLen * p.Dim), TestData.Gaussian(seed + 1, p.KeyLen * p.KvDim), TestData.Gaussian(seed + 2, p.KeyLen * p.KvDim));

    /// <summary>Row i may see key j by the band alone: the definition in <see cref="CausalAlignment"/>'s remarks, written out.</summary>
    private static bool InBand(AttentionProblem p, int i, int j, int validKeys)
    {
        long aligned = i + (p.Alignment == CausalAlignment.BottomRight ? p.KeyLen - p.SeqLen : 0);
        if (j >= validKeys) return false;
        if (p.Causal && j > aligned) return false;
        if (p.Window != int.MaxValue && Math.Abs(aligned - j) > p.Window) return false;
        return true;
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(expected[i] - actual[i]);
            Assert.True(e <= tolerance, $"{what} element {i}: expected {expected[i]:R}, actual {actual[i]:R} (|error| {e:E3} > {tolerance:E3})");
        }
    }

    private static void AssertRowSums(AttentionProblem p, double[] w, Func<int, bool> rowSeesNothing)
    {
        for (int h = 0; h < p.Heads; h++)
        {
            for (int i = 0; i < p.SeqLen; i++)
            {
                double sum = w.AsSpan((h * p.SeqLen + i) * p.KeyLen, p.KeyLen).ToArray().Sum();
                Assert.Equal(rowSeesNothing(i) ? 0.0 : 1.0, sum, 12);
            }
        }
    }

    // ------------------------------------------------------------------ the reference: small cases by hand

    [Fact]
    public void HandComputedTwoByTwo()
    {
        // One head, head dim 1, Scale 1: row 0 scores [1, 0], row 1 scores [2, 0].
        var p = new AttentionProblem(2, 1) { Scale = 1f };
        float[] q = { 1, 2 }, k = { 1, 0 }, v = { 3, 5 };
        double[] w = new double[4];
        double[] o = Ref(p, q, k, v, null, w);
        double e1 = Math.E, e2 = Math.Exp(2);
        AssertClose(new[] { e1 / (e1 + 1), 1 / (e1 + 1), e2 / (e2 + 1), 1 / (e2 + 1) }, w, 1e-15);
        AssertClose(new[] { (3 * e1 + 5) / (e1 + 1), (3 * e2 + 5) / (e2 + 1) }, o, 1e-14);
    }

    [Fact]
    public void SoftcapIsCTanhOfTheScaledScoreBeforeTheAdditiveMask()
    {
        var p = new AttentionProblem(1, 1) { KeyLen = 3, Scale = 2f, Softcap = 1.5f };
        float[] q = { 1.25f }, k = { 1, -0.5f, 3 }, v = { 1, 10, 100 };
        float[] add = { 0.5f, 0, -1 };
        double[] w = new double[3];
        Ref(p, q, k, v, new Mask(MaskKind.Additive, Additive: add), w);
        double[] s = k.Select((kj, j) => 1.5 * Math.Tanh(2.0 * 1.25 * kj / 1.5) + add[j]).ToArray();
        double z = s.Sum(Math.Exp);
        AssertClose(s.Select(x => Math.Exp(x) / z).ToArray(), w, 1e-15);
    }

    [Fact]
    public void LegacyOverloadEqualsProblemOverload()
    {
        var p = new AttentionProblem(5, 12, 3) { KeyLen = 9, Causal = true, Scale = 0.375f };
        var (q, k, v) = Inputs(p, 700);
        double[] a = new double[5 * 12], wa = new double[3 * 5 * 9], wb = new double[wa.Length];
        AttentionReference.Attend(q, k, v, a, 5, 9, 12, 3, 0.375, true, wa);
        double[] b = Ref(p, q, k, v, null, wb);
        AssertClose(a, b, 1e-15);
        AssertClose(wa, wb, 1e-15);
    }

    // ------------------------------------------------------------------ the reference against independent formulations

    public static IEnumerable<object[]> BandCases()
    {
        foreach (var (s, l) in new[] { (7, 7), (5, 11), (9, 4) })
            foreach (bool causal in new[] { false, true })
                foreach (var align in new[] { CausalAlignment.TopLeft, CausalAlignment.BottomRight })
                    foreach (int w in new[] { 0, 1, 3, int.MaxValue })
                        yield return new object[] { s, l, causal, align, w };
    }

    [Theory, MemberData(nameof(BandCases))]
    public void WindowAndCausalEqualTheAdditiveBandMask(int seqLen, int keyLen, bool causal, CausalAlignment align, int window)
    {
        var p = new AttentionProblem(seqLen, 8, 2) { KeyLen = keyLen, Causal = causal, Alignment = align, Window = window };
        var (q, k, v) = Inputs(p, 10);
        float[] band = new float[seqLen * keyLen];
        for (int i = 0; i < seqLen; i++)
            for (int j = 0; j < keyLen; j++)
                band[i * keyLen + j] = InBand(p, i, j, keyLen) ? 0f : float.NegativeInfinity;
        var plain = p with { Causal = false, Window = int.MaxValue };
        double[] wa = new double[2 * seqLen * keyLen], wb = new double[wa.Length];
        double[] a = Ref(p, q, k, v, null, wa);
        double[] b = Ref(plain, q, k, v, new Mask(MaskKind.Additive, Additive: band), wb);
        AssertClose(b, a, 1e-15);
        AssertClose(wb, wa, 1e-15);
        AssertRowSums(p, wa, i => Enumerable.Range(0, keyLen).All(j => !InBand(p, i, j, keyLen)));
    }

    [Theory]
    [InlineData(1), InlineData(4), InlineData(9)]
    public void ValidKeysEqualsBooleanMaskFalseBeyond(int validKeys)
    {
        var p = new AttentionProblem(6, 10, 2) { KeyLen = 9 };
        var (q, k, v) = Inputs(p, 20);
        bool[] allowed = new bool[6 * 9];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 9; j++)
                allowed[i * 9 + j] = j < validKeys;
        double[] wa = new double[2 * 6 * 9], wb = new double[wa.Length];
        AssertClose(Ref(p, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed), wb), Ref(p, q, k, v, Mask.Pad(validKeys), wa), 1e-15);
        AssertClose(wb, wa, 1e-15);
    }

    [Theory]
    [InlineData(5, 7), InlineData(3, 8), InlineData(4, 17)]
    public void BitsEqualBooleanMaskAndNegativeInfinityAdditive(int seqLen, int keyLen)
    {
        var p = new AttentionProblem(seqLen, 6, 3) { KeyLen = keyLen, Causal = true, Alignment = CausalAlignment.BottomRight };
        var (q, k, v) = Inputs(p, 30);
        var rng = new Random(31);
        bool[] allowed = Enumerable.Range(0, seqLen * keyLen).Select(_ => rng.NextDouble() < 0.6).ToArray();
        allowed[0] = false; allowed[1] = false;   // row 0 may lose every key it could see
        float[] additive = allowed.Select(a => a ? 0f : float.NegativeInfinity).ToArray();
        int n = 3 * seqLen * keyLen;
        double[] wb = new double[n], wa = new double[n], wd = new double[n];
        double[] bools = Ref(p, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed), wb);
        AssertClose(bools, Ref(p, q, k, v, Mask.FromBools(allowed, seqLen, keyLen), wa), 0);
        AssertClose(wb, wa, 0);
        AssertClose(bools, Ref(p, q, k, v, new Mask(MaskKind.Additive, Additive: additive), wd), 0);
        AssertClose(wb, wd, 0);
    }

    [Theory]
    [InlineData(4, 2, false), InlineData(4, 1, true), InlineData(6, 3, true), InlineData(2, 2, false)]
    public void GroupedQueryEqualsMultiHeadWithRepeatedKvHeads(int heads, int kvHeads, bool causal)
    {
        const int headDim = 5, seqLen = 7, keyLen = 9;
        var gqa = new AttentionProblem(seqLen, heads * headDim, heads) { KeyLen = keyLen, KvHeads = kvHeads, Causal = causal, Alignment = CausalAlignment.BottomRight };
        var (q, k, v) = Inputs(gqa, 40);
        int group = heads / kvHeads;
        float[] Repeat(float[] x)
        {
            float[] r = new float[keyLen * heads * headDim];
            for (int j = 0; j < keyLen; j++)
                for (int h = 0; h < heads; h++)
                    Array.Copy(x, j * kvHeads * headDim + h / group * headDim, r, (j * heads + h) * headDim, headDim);
            return r;
        }
        var mha = gqa with { KvHeads = heads };
        double[] wa = new double[heads * seqLen * keyLen], wb = new double[wa.Length];
        AssertClose(Ref(mha, q, Repeat(k), Repeat(v), null, wb), Ref(gqa, q, k, v, null, wa), 0);
        AssertClose(wb, wa, 0);
    }

    [Theory]
    [InlineData(3, 8, int.MaxValue), InlineData(5, 12, 2), InlineData(1, 6, int.MaxValue), InlineData(6, 6, 0)]
    public void BottomRightCrossAttentionEqualsTheLastRowsOfCausalSelfAttention(int seqLen, int keyLen, int window)
    {
        // Queries at the end of a longer sequence (a KV cache): the last seqLen rows of top-left causal
        // self-attention over keyLen positions.
        const int dim = 8, heads = 2;
        var full = new AttentionProblem(keyLen, dim, heads) { Causal = true, Window = window };
        var (qFull, k, v) = Inputs(full, 50);
        double[] wFull = new double[heads * keyLen * keyLen];
        double[] oFull = Ref(full, qFull, k, v, null, wFull);

        var cross = full with { SeqLen = seqLen, Alignment = CausalAlignment.BottomRight };
        float[] q = qFull.AsSpan((keyLen - seqLen) * dim).ToArray();
        double[] w = new double[heads * seqLen * keyLen];
        double[] o = Ref(cross, q, k, v, null, w);
        AssertClose(oFull.AsSpan((keyLen - seqLen) * dim), o, 0);
        for (int h = 0; h < heads; h++)
            AssertClose(wFull.AsSpan((h * keyLen + keyLen - seqLen) * keyLen, seqLen * keyLen), w.AsSpan(h * seqLen * keyLen, seqLen * keyLen), 0);
    }

    [Fact]
    public void TopLeftCrossAttentionRowsPastTheKeysSeeAllKeys()
    {
        // TopLeft causal with SeqLen > KeyLen: rows i ≥ KeyLen − 1 see every key; window 0 non-causal: rows ≥ KeyLen see none.
        var p = new AttentionProblem(6, 4) { KeyLen = 3, Causal = true };
        var (q, k, v) = Inputs(p, 55);
        double[] w = new double[6 * 3];
        Ref(p, q, k, v, null, w);
        for (int i = 2; i < 6; i++) Assert.All(w.AsSpan(i * 3, 3).ToArray(), x => Assert.True(x > 0));
        var diag = p with { Causal = false, Window = 0 };
        double[] o = Ref(diag, q, k, v, null, w);
        for (int i = 0; i < 3; i++) AssertClose(v.AsSpan(i * 4, 4).ToArray().Select(x => (double)x).ToArray(), o.AsSpan(i * 4, 4), 1e-15);
        Assert.All(o.AsSpan(3 * 4).ToArray(), x => Assert.Equal(0.0, x));
        Assert.All(w.AsSpan(3 * 3).ToArray(), x => Assert.Equal(0.0, x));
    }

    [Fact]
    public void HugeSoftcapIsNoSoftcap()
    {
        var p = new AttentionProblem(9, 12, 3) { Causal = true };
        var (q, k, v) = Inputs(p, 60);
        // c·tanh(s/c) = s − s³/(3c²) + …: with |s| ≲ 5 and c = 1e5 the change is ≲ 5e-9.
        AssertClose(Ref(p, q, k, v), Ref(p with { Softcap = 1e5f }, q, k, v), 1e-8);
        Assert.NotEqual(Ref(p, q, k, v), Ref(p with { Softcap = 0.5f }, q, k, v));
    }

    [Fact]
    public void WeightsAreProbabilitiesAndZeroWhereMasked()
    {
        var p = new AttentionProblem(8, 10, 2) { KeyLen = 12, Causal = true, Window = 3, Alignment = CausalAlignment.BottomRight, Softcap = 5f };
        var (q, k, v) = Inputs(p, 70);
        bool[] allowed = Enumerable.Range(0, 8 * 12).Select(x => x % 5 != 0).ToArray();
        for (int j = 0; j < 12; j++) allowed[3 * 12 + j] = false;   // row 3 masked completely
        double[] w = new double[2 * 8 * 12];
        Ref(p, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed), w);
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 8; i++)
                for (int j = 0; j < 12; j++)
                {
                    double x = w[(h * 8 + i) * 12 + j];
                    bool seen = InBand(p, i, j, 12) && allowed[i * 12 + j];
                    Assert.True(seen ? x > 0 && x <= 1 : x == 0, $"h{h} i{i} j{j}: {x}");
                }
        AssertRowSums(p, w, i => i == 3);
    }

    /// <summary>
    /// A problem whose rows never see keys 0-3 (BottomRight offset 6, causal, window 2: row i sees [i+4, i+6]), with
    /// masks that hide key 5 and keys ≥ 12 from every row, and K/V in which exactly those hidden keys are NaN / ∞.
    /// </summary>
    private static (AttentionProblem P, float[] Q, float[] K, float[] V, float[] KHidden, float[] VHidden, Mask[] Masks) HiddenKeys(int seed)
    {
        var p = new AttentionProblem(8, 6, 2) { KeyLen = 14, Causal = true, Window = 2, Alignment = CausalAlignment.BottomRight };
        var (q, k, v) = Inputs(p, seed);
        bool[] allowed = Enumerable.Range(0, 8 * 14).Select(x => x % 14 != 5 && x % 14 < 12).ToArray();
        Mask[] masks =
        {
            new(MaskKind.Allowed, Allowed: allowed), Mask.FromBools(allowed, 8, 14),
            new(MaskKind.Additive, Additive: allowed.Select(a => a ? 0.25f : float.NegativeInfinity).ToArray()),
        };
        float[] kn = (float[])k.Clone(), vn = (float[])v.Clone();
        foreach (int j in new[] { 0, 1, 2, 3, 5, 12, 13 })
            for (int d = 0; d < p.KvDim; d++) { kn[j * p.KvDim + d] = float.NaN; vn[j * p.KvDim + d] = j % 2 == 0 ? float.NaN : float.PositiveInfinity; }
        return (p, q, k, v, kn, vn, masks);
    }

    [Fact]
    public void NaNInKeysAndValuesTheRowDoesNotSeeDoesNotLeak()
    {
        var (p, q, k, v, kn, vn, masks) = HiddenKeys(80);
        foreach (Mask m in masks)
        {
            double[] w = new double[2 * 8 * 14], wClean = new double[w.Length];
            double[] o = Ref(p, q, kn, vn, m, w);
            Assert.All(o, x => Assert.True(double.IsFinite(x)));
            Assert.All(w, x => Assert.True(double.IsFinite(x)));
            AssertClose(Ref(p, q, k, v, m, wClean), o, 0, m.ToString());
            AssertClose(wClean, w, 0, m.ToString());
        }
        // Key padding hides keys ≥ 12; key 5 is seen, so make it finite.
        for (int d = 0; d < p.KvDim; d++) { kn[5 * p.KvDim + d] = k[5 * p.KvDim + d]; vn[5 * p.KvDim + d] = v[5 * p.KvDim + d]; }
        AssertClose(Ref(p, q, k, v, Mask.Pad(12)), Ref(p, q, kn, vn, Mask.Pad(12)), 0, "padding");
    }

    [Fact]
    public void NaNInAVisibleScorePropagatesToThatHeadsRowOnly()
    {
        var p = new AttentionProblem(5, 8, 2) { KeyLen = 6, Causal = true };
        var (q, k, v) = Inputs(p, 90);
        q[3 * 8 + 1] = float.NaN;   // row 3, head 0
        double[] w = new double[2 * 5 * 6];
        double[] o = Ref(p, q, k, v, null, w);
        for (int i = 0; i < 5; i++)
            for (int c = 0; c < 8; c++)
                Assert.Equal(i == 3 && c < 4, double.IsNaN(o[i * 8 + c]));
        for (int j = 0; j < 6; j++)
        {
            double x = w[3 * 6 + j];
            Assert.True(j <= 3 ? double.IsNaN(x) : x == 0, $"weight j{j} = {x}");   // invisible keys keep weight 0
        }
        Assert.Equal(1.0, w.AsSpan((5 + 3) * 6, 6).ToArray().Sum(), 12);       // head 1 unaffected
    }

    [Fact]
    public void NegativeInfinityAdditiveEntriesMaskAndFiniteEntriesShift()
    {
        var p = new AttentionProblem(4, 3) { KeyLen = 5 };
        var (q, k, v) = Inputs(p, 100);
        float[] add = new float[20];
        float[] shift = new float[20];
        for (int x = 0; x < 20; x++)
        {
            add[x] = x % 3 == 0 ? float.NegativeInfinity : 0f;
            shift[x] = x % 3 == 0 ? float.NegativeInfinity : 7.5f;   // a constant shift of a row changes nothing
        }
        double[] a = Ref(p, q, k, v, new Mask(MaskKind.Additive, Additive: add));
        AssertClose(a, Ref(p, q, k, v, new Mask(MaskKind.Allowed, Allowed: add.Select(x => x == 0).ToArray())), 0);
        AssertClose(a, Ref(p, q, k, v, new Mask(MaskKind.Additive, Additive: shift)), 1e-14);
    }

    [Fact]
    public void FullyMaskedRowIsZerosAndItsValuesAreNotRead()
    {
        var p = new AttentionProblem(3, 4, 2) { KeyLen = 4 };
        var (q, k, v) = Inputs(p, 110);
        bool[] allowed = Enumerable.Repeat(true, 12).ToArray();
        for (int j = 0; j < 4; j++) allowed[4 + j] = false;   // row 1 sees nothing
        float[] add = allowed.Select(a => a ? 0f : float.NegativeInfinity).ToArray();
        foreach (Mask m in new[] { new Mask(MaskKind.Allowed, Allowed: allowed), new Mask(MaskKind.Additive, Additive: add), Mask.FromBools(allowed, 3, 4) })
        {
            double[] w = Enumerable.Repeat(42.0, 2 * 3 * 4).ToArray();
            double[] o = Ref(p, q, k, v, m, w);
            Assert.All(o.AsSpan(4, 4).ToArray(), x => Assert.Equal(0.0, x));
            for (int h = 0; h < 2; h++) Assert.All(w.AsSpan((h * 3 + 1) * 4, 4).ToArray(), x => Assert.Equal(0.0, x));
            AssertRowSums(p, w, i => i == 1);
        }
    }

    [Fact]
    public void EveryVisibleScoreNegativeInfinityGivesZeroWeightsAndZeroTimesV()
    {
        // q = +∞ against k < 0: all weights 0, output Σ 0·v_j — zeros for finite v, NaN where a visible v is
        // non-finite (0·∞, the documented rule for any visible key of weight 0); a masked key's v is not read.
        var one = new AttentionProblem(1, 2) { KeyLen = 3, Scale = 1f };
        float[] q = { float.PositiveInfinity, 0 }, k = { -1, 0, -2, 0, -3, 0 };
        foreach (float[] v in new[] { new[] { 1f, 2, 3, 4, 5, 6 }, new[] { 1f, float.PositiveInfinity, 3, 4, 5, float.NaN } })
        {
            bool nonFinite = float.IsInfinity(v[1]);
            double[] w1 = Enumerable.Repeat(42.0, 3).ToArray();
            double[] o1 = Ref(one, q, k, v, null, w1);
            Assert.Equal(new[] { 0.0, 0.0, 0.0 }, w1);
            Assert.Equal(0.0, o1[0]);
            Assert.Equal(nonFinite, double.IsNaN(o1[1]));
            float[] sw = Enumerable.Repeat(42f, 3).ToArray();
            float[] s1 = Scalar(one, q, k, v, null, sw);
            Assert.Equal(new[] { 0f, 0f, 0f }, sw);
            Assert.Equal(0f, s1[0]);
            Assert.Equal(nonFinite, float.IsNaN(s1[1]));
            // Keys 0 and 2 masked: their non-finite values are not read.
            bool[] allowed = { false, true, false };
            Assert.Equal(new[] { 0.0, 0.0 }, Ref(one, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed)));
            Assert.Equal(new[] { 0f, 0f }, Scalar(one, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed)));
        }
    }

    [Fact]
    public void NonCausalUnmaskedAttentionIsPermutationEquivariant()
    {
        var p = new AttentionProblem(7, 12, 3) { KeyLen = 9, KvHeads = 1, Softcap = 4f };
        var (q, k, v) = Inputs(p, 120);
        int[] rowPerm = { 3, 0, 6, 1, 5, 2, 4 }, keyPerm = { 8, 2, 5, 0, 7, 1, 4, 6, 3 };
        float[] Permute(float[] x, int[] perm, int cols) =>
            perm.SelectMany(r => x.AsSpan(r * cols, cols).ToArray()).ToArray();
        double[] o = Ref(p, q, k, v);
        // Permuting the keys and values together changes nothing; permuting the queries permutes the output rows.
        AssertClose(o, Ref(p, q, Permute(k, keyPerm, p.KvDim), Permute(v, keyPerm, p.KvDim)), 1e-14);
        double[] oq = Ref(p, Permute(q, rowPerm, 12), k, v);
        for (int r = 0; r < 7; r++) AssertClose(o.AsSpan(rowPerm[r] * 12, 12), oq.AsSpan(r * 12, 12), 0);
    }

    // ------------------------------------------------------------------ layer-level references

    [Theory]
    [InlineData(1, 4, 1, false), InlineData(9, 12, 3, true), InlineData(16, 8, 2, false)]
    public void PoolEqualsOneQueryRowCrossAttention(int seqLen, int dim, int heads, bool causalIgnored)
    {
        var p = new AttentionProblem(seqLen, dim, heads) { Causal = causalIgnored, Window = causalIgnored ? 1 : int.MaxValue, Softcap = 3f };
        float[] x = TestData.Gaussian(130, seqLen * dim), query = TestData.Gaussian(131, dim);
        var cross = new AttentionProblem(1, dim, heads) { KeyLen = seqLen, Softcap = 3f };
        for (int valid = 1; valid <= seqLen; valid += Math.Max(1, seqLen / 3))
        {
            double[] pooled = new double[dim], expected = new double[dim];
            AttentionReference.Pool(p, x, query, pooled, valid);
            AttentionReference.Attend(cross, query, x, x, expected, KernelMask.Padding(valid));
            AssertClose(expected, pooled, 0, $"validRows={valid}");
        }
        double[] all = new double[dim], allExpected = new double[dim];
        AttentionReference.Pool(p, x, query, all);
        AttentionReference.Attend(cross, query, x, x, allExpected);
        AssertClose(allExpected, all, 0);

        // Written out for head 0: softmax over j of cap·tanh(scale · query·x_j / cap), then the mean of x_j.
        int hd = dim / heads;
        double[] s = Enumerable.Range(0, seqLen).Select(j =>
        {
            double dot = 0;
            for (int d = 0; d < hd; d++) dot += (double)query[d] * x[j * dim + d];
            return 3.0 * Math.Tanh(dot * p.EffectiveScale / 3.0);
        }).ToArray();
        double z = s.Sum(Math.Exp);
        for (int d = 0; d < hd; d++)
        {
            double e = Enumerable.Range(0, seqLen).Sum(j => Math.Exp(s[j]) * x[j * dim + d]) / z;
            Assert.Equal(e, all[d], 12);
        }
    }

    [Fact]
    public void SelfAttendConcatIsInputThenAttention()
    {
        var p = new AttentionProblem(5, 6, 2) { Causal = true, Window = 2 };
        float[] x = TestData.Gaussian(140, 30);
        double[] c = Ref(p, x, x, x);
        double[] o = new double[5 * 12];
        AttentionReference.SelfAttendConcat(p, x, o);
        for (int i = 0; i < 5; i++)
        {
            for (int d = 0; d < 6; d++) Assert.Equal((double)x[i * 6 + d], o[i * 12 + d]);
            AssertClose(c.AsSpan(i * 6, 6), o.AsSpan(i * 12 + 6, 6), 0);
        }
    }

    [Fact]
    public void AttendBatchIsIndependentProblems()
    {
        var p = new AttentionProblem(4, 6, 3) { KeyLen = 5, KvHeads = 1, Causal = true, Alignment = CausalAlignment.BottomRight };
        const int batch = 3;
        int qn = 4 * 6, kn = 5 * 2, wn = 3 * 4 * 5;
        float[] q = TestData.Gaussian(150, batch * qn), k = TestData.Gaussian(151, batch * kn), v = TestData.Gaussian(152, batch * kn);
        bool[] allowed = Enumerable.Range(0, 20).Select(x => x % 4 != 1).ToArray();
        var mask = new Mask(MaskKind.Allowed, Allowed: allowed);
        double[] o = new double[batch * qn], w = new double[batch * wn];
        AttentionReference.AttendBatch(p, batch, q, k, v, o, mask.Get(), w);
        for (int b = 0; b < batch; b++)
        {
            double[] wb = new double[wn];
            double[] ob = Ref(p, q.AsSpan(b * qn, qn).ToArray(), k.AsSpan(b * kn, kn).ToArray(), v.AsSpan(b * kn, kn).ToArray(), mask, wb);
            AssertClose(ob, o.AsSpan(b * qn, qn), 0);
            AssertClose(wb, w.AsSpan(b * wn, wn), 0);
        }
    }

    // ------------------------------------------------------------------ invalid arguments

    private static readonly AttentionProblem Bad = new(5, 12, 4) { KeyLen = 7, KvHeads = 2 };   // KvDim 6

    public static IEnumerable<object[]> WrongLengths() => new[]
    {
        new object[] { "q", 60, 59 }, new object[] { "k", 42, 60 }, new object[] { "v", 42, 43 },
        new object[] { "output", 60, 61 }, new object[] { "weights", 140, 139 },
    };

    [Theory, MemberData(nameof(WrongLengths))]
    public void ReferenceRejectsWrongLengthsNamingTheArgument(string param, int expected, int actual)
    {
        float[] q = new float[param == "q" ? actual : 60], k = new float[param == "k" ? actual : 42], v = new float[param == "v" ? actual : 42];
        double[] o = Enumerable.Repeat(42.0, param == "output" ? actual : 60).ToArray();
        double[] w = Enumerable.Repeat(42.0, param == "weights" ? actual : 140).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => AttentionReference.Attend(Bad, q, k, v, o, default, w));
        Assert.Equal(param, ex.ParamName);
        Assert.Matches($@"\b{expected}\b", ex.Message);
        Assert.Matches($@"\b{actual}\b", ex.Message);
        Assert.All(o, x => Assert.Equal(42.0, x));
        Assert.All(w, x => Assert.Equal(42.0, x));
    }

    public static IEnumerable<object[]> BadProblems() => new[]
    {
        new object[] { "SeqLen", Bad with { SeqLen = 0 } }, new object[] { "KeyLen", Bad with { KeyLen = -1 } },
        new object[] { "Heads", Bad with { Heads = 5 } }, new object[] { "KvHeads", Bad with { KvHeads = 3 } },
        new object[] { "Window", Bad with { Window = -2 } }, new object[] { "Softcap", Bad with { Softcap = float.NaN } },
        new object[] { "Alignment", Bad with { Alignment = (CausalAlignment)7 } }, new object[] { "Scale", Bad with { Scale = float.PositiveInfinity } },
    };

    [Theory, MemberData(nameof(BadProblems))]
    public void ReferenceRejectsInvalidProblems(string param, AttentionProblem p)
    {
        double[] o = new double[60];
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.Attend(p, new float[60], new float[42], new float[42], o));
        Assert.Equal(param, ex.ParamName);
    }

    public static IEnumerable<object[]> BadMasks() => new[]
    {
        new object[] { "additive", 34, "35" }, new object[] { "allowed", 36, "35" }, new object[] { "bits9", 0, "2" },
        new object[] { "bits-rows", 0, "5" }, new object[] { "valid", 8, "8" }, new object[] { "valid", -1, "-1" },
    };

    [Theory, MemberData(nameof(BadMasks))]
    public void ReferenceRejectsMasksOfTheWrongShape(string kind, int n, string mentioned)
    {
        double[] o = Enumerable.Repeat(42.0, 60).ToArray();
        var ex = Assert.ThrowsAny<ArgumentException>(() =>
        {
            KernelMask m = kind switch
            {
                "additive" => KernelMask.FromAdditive(new float[n]),
                "allowed" => KernelMask.FromAllowed(new bool[n]),
                "bits9" => KernelMask.FromBits(new BitMask(new byte[5 * 2], 5, 9)),   // 2 bytes per row, KeyLen 7 needs 1
                "bits-rows" => KernelMask.FromBits(new BitMask(new byte[4], 4, 7)),   // 4 rows, SeqLen 5
                _ => KernelMask.Padding(n),
            };
            AttentionReference.Attend(Bad, new float[60], new float[42], new float[42], o, m);
        });
        Assert.Equal("mask", ex.ParamName);
        Assert.Contains(mentioned, ex.Message);
        Assert.All(o, x => Assert.Equal(42.0, x));
    }

    [Fact]
    public void LayerReferencesRejectBadArguments()
    {
        var p = new AttentionProblem(4, 6, 2);
        float[] x = new float[24];
        Assert.Equal("validRows", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.Pool(p, x, new float[6], new double[6], 0)).ParamName);
        Assert.Equal("validRows", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.Pool(p, x, new float[6], new double[6], 5)).ParamName);
        Assert.Equal("KvHeads", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.Pool(p with { KvHeads = 1 }, x, new float[6], new double[6])).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => AttentionReference.Pool(p, x, new float[5], new double[6])).ParamName);
        Assert.Equal("KeyLen", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.SelfAttendConcat(p with { KeyLen = 5 }, x, new double[48])).ParamName);
        var ex = Assert.Throws<ArgumentException>(() => AttentionReference.SelfAttendConcat(p, x, new double[24]));
        Assert.Equal("output", ex.ParamName);
        Assert.Contains("48", ex.Message);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => AttentionReference.AttendBatch(p, 0, x, x, x, new double[24])).ParamName);
        var bex = Assert.Throws<ArgumentException>(() => AttentionReference.AttendBatch(p, 2, x, new float[48], new float[48], new double[48]));
        Assert.Equal("q", bex.ParamName);
        Assert.Contains("48", bex.Message);
    }

    // ------------------------------------------------------------------ the scalar path against the reference

    /// <summary>
    /// <see cref="TestData.KernelBound"/>'s formula, 1e-6 · max(1, M/2, A/3), for grouped K/V heads and any KeyLen:
    /// M = the largest |scaled score| (before the softcap, which only shrinks it; the additive terms of the grid
    /// are within ±2 and change nothing), A = the largest Scale·Σ_d |q_d·k_d|.
    /// </summary>
    private static Mask MakeMask(string kind, AttentionProblem p, int seed)
    {
        var rng = new Random(seed);
        int n = p.SeqLen * p.KeyLen;
        bool[] allowed = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < 0.7).ToArray();
        return kind switch
        {
            "padding" => Mask.Pad(Math.Max(1, p.KeyLen - 2)),
            "additive" => new Mask(MaskKind.Additive, Additive: allowed.Select(a => a ? (float)(rng.NextDouble() * 4 - 2) : float.NegativeInfinity).ToArray()),
            "allowed" => new Mask(MaskKind.Allowed, Allowed: allowed),
            "bits" => Mask.FromBools(allowed, p.SeqLen, p.KeyLen),
            _ => Mask.None,
        };
    }

    public static IEnumerable<object[]> ScalarShapes()
    {
        foreach (int seqLen in new[] { 1, 3, 17 })
            foreach (int headDim in new[] { 1, 5, 8, 13 })
                foreach (var (heads, kvHeads) in new[] { (1, 1), (4, 2), (4, 1) })
                    yield return new object[] { seqLen, headDim, heads, kvHeads };
    }

    [Theory, MemberData(nameof(ScalarShapes))]
    public void ScalarMatchesReferenceOverOptions(int seqLen, int headDim, int heads, int kvHeads)
    {
        int cases = 0, seed = seqLen * 1000 + headDim * 10 + heads + kvHeads;
        foreach (int keyLen in new[] { seqLen, seqLen + 4, Math.Max(1, seqLen - 2) }.Distinct())
            foreach (var align in new[] { CausalAlignment.TopLeft, CausalAlignment.BottomRight })
                foreach (bool causal in new[] { false, true })
                    foreach (int window in new[] { int.MaxValue, 0, 1, 5 })
                        foreach (float softcap in new[] { 0f, 5f })
                            foreach (string mask in new[] { "none", "padding", "additive", "allowed", "bits" })
                            {
                                if (keyLen == seqLen && align == CausalAlignment.BottomRight) continue;   // same as TopLeft
                                var p = new AttentionProblem(seqLen, heads * headDim, heads)
                                {
                                    KeyLen = keyLen, KvHeads = kvHeads, Alignment = align, Causal = causal, Window = window, Softcap = softcap,
                                    Scale = (cases & 3) == 3 ? 1f : float.NaN,
                                };
                                var (q, k, v) = Inputs(p, seed + cases);
                                Mask m = MakeMask(mask, p, seed + cases);
                                bool withWeights = (cases & 1) == 0;
                                int wn = heads * seqLen * keyLen;
                                double[] rw = withWeights ? new double[wn] : Array.Empty<double>();
                                float[] sw = withWeights ? Enumerable.Repeat(float.NaN, wn).ToArray() : Array.Empty<float>();
                                double[] expected = Ref(p, q, k, v, m, rw);
                                float[] actual = Scalar(p, q, k, v, m, sw);
                                double bound = TestData.ProblemBound(p, q, k);
                                string what = $"{p} mask={m}";
                                double error = TestData.MaxError(actual, expected);
                                Assert.True(error <= bound, $"{what}: output max |error| {error:E3} > {bound:E3}");
                                if (withWeights)
                                {
                                    double werror = TestData.MaxError(sw, rw);
                                    Assert.True(werror <= bound, $"{what}: weights max |error| {werror:E3} > {bound:E3}");
                                    for (int x = 0; x < wn; x++)
                                        if (rw[x] == 0) Assert.True(sw[x] == 0, $"{what}: weight {x} should be exactly 0, is {sw[x]}");
                                }
                                cases++;
                            }
        Assert.True(cases >= 160, $"only {cases} cases");
    }

    [Fact]
    public void ScalarDoesNotReadHiddenKeysAndPropagatesVisibleNaN()
    {
        var (p, q, k, v, kn, vn, masks) = HiddenKeys(160);
        foreach (Mask m in masks)
        {
            float[] w = new float[2 * 8 * 14], wClean = new float[w.Length];
            float[] o = Scalar(p, q, kn, vn, m, w);
            Assert.All(o, x => Assert.True(float.IsFinite(x)));
            Assert.Equal(Scalar(p, q, k, v, m, wClean), o);
            Assert.Equal(wClean, w);
        }
        for (int d = 0; d < p.KvDim; d++) { kn[5 * p.KvDim + d] = k[5 * p.KvDim + d]; vn[5 * p.KvDim + d] = v[5 * p.KvDim + d]; }
        Assert.Equal(Scalar(p, q, k, v, Mask.Pad(12)), Scalar(p, q, kn, vn, Mask.Pad(12)));

        q[5 * 6 + 4] = float.NaN;   // row 5, head 1
        float[] wn = new float[2 * 8 * 14];
        float[] on = Scalar(p, q, k, v, null, wn);
        for (int i = 0; i < 8; i++)
            for (int c = 0; c < 6; c++)
                Assert.Equal(i == 5 && c >= 3, float.IsNaN(on[i * 6 + c]));
        p.VisibleKeys(5, 14, out int lo, out int hi);
        for (int j = 0; j < 14; j++)
            Assert.True(j >= lo && j < hi ? float.IsNaN(wn[(8 + 5) * 14 + j]) : wn[(8 + 5) * 14 + j] == 0f, $"weight j{j} = {wn[(8 + 5) * 14 + j]}");
    }

    [Fact]
    public void ScalarFullyMaskedRowIsZeros()
    {
        var p = new AttentionProblem(3, 4, 2) { KeyLen = 4 };
        var (q, k, v) = Inputs(p, 170);
        bool[] allowed = Enumerable.Range(0, 12).Select(x => x / 4 != 1).ToArray();
        float[] w = Enumerable.Repeat(42f, 24).ToArray();
        float[] o = Scalar(p, q, k, v, new Mask(MaskKind.Allowed, Allowed: allowed), w);
        Assert.All(o.AsSpan(4, 4).ToArray(), x => Assert.Equal(0f, x));
        for (int h = 0; h < 2; h++) Assert.All(w.AsSpan((h * 3 + 1) * 4, 4).ToArray(), x => Assert.Equal(0f, x));
        // Window 0 without causal, SeqLen > KeyLen: rows past the keys see none.
        var diag = new AttentionProblem(5, 4) { KeyLen = 2, Window = 0 };
        var (q2, k2, v2) = Inputs(diag, 171);
        float[] o2 = Scalar(diag, q2, k2, v2);
        Assert.Equal(v2, o2.AsSpan(0, 8).ToArray());
        Assert.All(o2.AsSpan(8).ToArray(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void ScalarPartsAndLegacyOverloadAreBitIdentical()
    {
        var p = new AttentionProblem(17, 26, 2) { Causal = true, Scale = 0.3f };
        var (q, k, v) = Inputs(p, 180);
        float[] whole = new float[17 * 26], wWhole = new float[2 * 17 * 17];
        KernelMask none = default;
        ScalarAttention.Attend(p, q, k, v, whole, none, wWhole);
        float[] legacy = new float[whole.Length], wLegacy = new float[wWhole.Length];
        ScalarAttention.Attend(q, k, v, legacy, 17, 26, 2, 0.3f, true, wLegacy);
        Assert.Equal(whole, legacy);
        Assert.Equal(wWhole, wLegacy);
        foreach (int parts in new[] { 2, 3, 7, 40 })
        {
            float[] split = new float[whole.Length], wSplit = new float[wWhole.Length];
            for (int part = 0; part < parts; part++) ScalarAttention.Attend(p, q, k, v, split, none, wSplit, part, parts);
            Assert.Equal(whole, split);
            Assert.Equal(wWhole, wSplit);
        }
    }

    [Fact]
    public void ScalarAllocatesNothingOnceWarm()
    {
        var p = new AttentionProblem(17, 20, 4) { KeyLen = 21, KvHeads = 2, Window = 3, Softcap = 5f };
        var (q, k, v) = Inputs(p, 190);
        float[] o = new float[17 * 20], w = new float[4 * 17 * 21], add = TestData.Uniform(191, 17 * 21);
        ScalarAttention.Attend(p, q, k, v, o, KernelMask.FromAdditive(add), w);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ScalarAttention.Attend(p, q, k, v, o, KernelMask.FromAdditive(add), w);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
