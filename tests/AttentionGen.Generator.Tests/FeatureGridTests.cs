using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AttentionGen.Runtime;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The feature set (cross-attention with both alignments, windows, grouped-query and multi-query heads, softcap)
/// generated and compiled in memory, every call kind (plain, weights, key padding, additive / boolean / bit-packed
/// masks, threads) against the float64 reference with the project's bound (<see cref="TestData.ProblemBound"/>),
/// plus "poisoned" inputs: NaN in the K and V rows of keys no row may see must not reach the output.
/// </summary>
public sealed class FeatureGridTests : IClassFixture<FeatureGridTests.Grid>
{
    public sealed record Config(string Name, int SeqLen, int KeyLen, int HeadDim, int Heads, int KvHeads, bool Causal, bool BottomRight, int Window, float Softcap, bool UnitScale = false)
    {
        public int Dim => HeadDim * Heads;
        public int KvDim => HeadDim * KvHeads;

        public string Attribute
        {
            get
            {
                var b = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"[Attention({SeqLen}, {Dim}, {Heads}"));
                if (KeyLen != SeqLen) b.Append(CultureInfo.InvariantCulture, $", KeyLen = {KeyLen}");
                if (KvHeads != Heads) b.Append(CultureInfo.InvariantCulture, $", KvHeads = {KvHeads}");
                if (Causal) b.Append(", Causal = true");
                if (BottomRight) b.Append(", CausalAlignment = CausalAlignment.BottomRight");
                if (Window != int.MaxValue) b.Append(CultureInfo.InvariantCulture, $", Window = {Window}");
                if (Softcap > 0) b.Append(CultureInfo.InvariantCulture, $", Softcap = {Softcap}f");
                if (UnitScale) b.Append(", Scale = 1f");
                return b.Append(")]").ToString();
            }
        }

        public AttentionProblem Problem => new(SeqLen, Dim, Heads)
        {
            KeyLen = KeyLen, KvHeads = KvHeads, Causal = Causal, Window = Window, Softcap = Softcap,
            Alignment = BottomRight ? CausalAlignment.BottomRight : CausalAlignment.TopLeft, Scale = UnitScale ? 1f : float.NaN,
        };
    }

    private const int None = int.MaxValue;

    public static readonly Config[] Configs =
    {
        new("Cross", 5, 13, 8, 2, 2, false, false, None, 0),
        new("CrossCausalTopLeft", 9, 20, 17, 1, 1, true, false, None, 0),
        new("CrossCausalBottomRight", 9, 20, 5, 3, 3, true, true, None, 0),
        new("MoreQueriesThanKeysBottomRight", 20, 7, 16, 1, 1, true, true, None, 0),
        new("Window3", 37, 37, 20, 3, 3, false, false, 3, 0),
        new("CausalWindow5", 64, 64, 64, 2, 2, true, false, 5, 0),
        new("Window0", 16, 16, 8, 1, 1, false, false, 0, 0),
        new("CrossWindowBottomRight", 10, 50, 32, 1, 1, true, true, 4, 0),
        new("CrossWindowTopLeft", 30, 12, 16, 2, 2, false, false, 2, 0),
        new("Gqa4x2", 33, 33, 16, 4, 2, false, false, None, 0),
        new("MqaCausal", 40, 40, 24, 6, 1, true, false, None, 0),
        new("Mqa32", 17, 17, 32, 4, 1, false, false, None, 0),
        new("Softcap5", 33, 33, 32, 2, 2, false, false, None, 5f, UnitScale: true),
        new("Everything", 50, 50, 8, 4, 2, true, false, 7, 3f),
        new("LongCausalWindow", 200, 200, 64, 2, 2, true, false, 16, 0),
        new("Single", 1, 1, 3, 1, 1, false, false, None, 0),
        new("DecoderStep", 1, 100, 64, 4, 1, true, true, None, 0),
        new("FewRowsGqaWindow", 3, 40, 24, 4, 2, true, true, 5, 0),
        new("FewRowsSoftcapPartialHead", 4, 37, 20, 2, 1, false, false, None, 2f, UnitScale: true),
        // Few-row blocks take wider P·V strips (16 accumulators in all): several strips and a partial last vector.
        new("DecoderWideHead", 1, 40, 300, 2, 1, true, true, None, 0),
        new("TwoRowsWideHeadWindow", 2, 33, 200, 2, 2, true, true, 9, 0),
        // One query row, 3 query heads per key/value head: the group's heads are the rows of one block (FusedHeads); a head
        // narrower than a Vector512 (its Q·Kᵀ all scalar terms there), a window and a softcap.
        new("DecoderGqa3WindowSoftcap", 1, 45, 12, 6, 2, true, true, 10, 3f),
        // ≤ 32 keys and narrow heads: the rows-as-lanes path (TransposedEmitter) for the calls it serves.
        new("LanesGqaSoftcap", 24, 24, 8, 4, 2, false, false, None, 4f),
        new("LanesCausalMqaWindow", 32, 32, 8, 4, 1, true, false, 6, 0),
        new("LanesCrossTailRows", 21, 30, 12, 2, 2, true, false, None, 0),
    };

    public static readonly string[] Calls =
    {
        "plain", "weights", "padding", "padding+weights", "additive", "additive+weights", "bool", "bool+weights", "bits", "parallel",
    };

    public sealed class Grid : IDisposable
    {
        public Grid()
        {
            var source = new StringBuilder("using System;\nusing AttentionGen;\nnamespace Features;\n");
            var wrappers = new StringBuilder("public static class Calls\n{\n");
            foreach (Config c in Configs)
            {
                source.Append(c.Attribute).Append(CultureInfo.InvariantCulture, $" public partial struct {c.Name} {{ }}\n");
                wrappers.Append(CultureInfo.InvariantCulture, $$"""
                        public static void {{c.Name}}(string call, float[] q, float[] k, float[] v, float[] o, float[] w, float[] am, bool[] bm, byte[] bits, int validKeys)
                        {
                            switch (call)
                            {
                                case "plain": Features.{{c.Name}}.Attend(q, k, v, o); break;
                                case "weights": Features.{{c.Name}}.Attend(q, k, v, o, w.AsSpan()); break;
                                case "padding": Features.{{c.Name}}.Attend(q, k, v, o, validKeys); break;
                                case "padding+weights": Features.{{c.Name}}.Attend(q, k, v, o, validKeys, w); break;
                                case "additive": Features.{{c.Name}}.AttendMasked(q, k, v, o, (ReadOnlySpan<float>)am); break;
                                case "additive+weights": Features.{{c.Name}}.AttendMasked(q, k, v, o, (ReadOnlySpan<float>)am, w); break;
                                case "bool": Features.{{c.Name}}.AttendMasked(q, k, v, o, (ReadOnlySpan<bool>)bm); break;
                                case "bool+weights": Features.{{c.Name}}.AttendMasked(q, k, v, o, (ReadOnlySpan<bool>)bm, w); break;
                                case "bits": Features.{{c.Name}}.AttendMasked(q, k, v, o, new BitMask(bits, {{c.SeqLen}}, {{c.KeyLen}})); break;
                                case "parallel": Features.{{c.Name}}.Attend(q, k, v, o, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 2 }); break;
                                default: throw new ArgumentException(call);
                            }
                        }

                    """);
            }
            source.Append(wrappers).Append("}\n");
            Kernels = GeneratorHarness.CompileAndLoad(source.ToString());
        }

        public LoadedKernels Kernels { get; }

        public void Dispose() => Kernels.Dispose();
    }

    private delegate void CallFn(string call, float[] q, float[] k, float[] v, float[] o, float[] w, float[] am, bool[] bm, byte[] bits, int validKeys);

    private readonly Grid _grid;
    private readonly ITestOutputHelper _output;

    public FeatureGridTests(Grid grid, ITestOutputHelper output)
    {
        _grid = grid;
        _output = output;
    }

    public static IEnumerable<object[]> Cases() =>
        from c in Configs from call in Calls from poison in new[] { false, true } select new object[] { c.Name, call, poison };

    // The grid must reach the rows-as-lanes path (≤ 32 keys, narrow heads) as well as the row-block path.
    [Theory]
    [InlineData("LanesGqaSoftcap", true)]
    [InlineData("LanesCausalMqaWindow", true)]
    [InlineData("LanesCrossTailRows", true)]
    [InlineData("Window0", true)]
    [InlineData("Everything", false)]
    [InlineData("Cross", true)]
    public void RowsAsLanesPathIsGeneratedFor(string name, bool expected)
    {
        Config c = Configs.Single(x => x.Name == name);
        string source = $"using AttentionGen;\nnamespace Features;\n{c.Attribute} public partial struct {c.Name} {{ }}\n";
        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        string generated = Assert.Single(result.GeneratedSources).SourceText.ToString();
        Assert.Equal(expected, generated.Contains("private static void RunLanes(", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(string name, string call, bool poison)
    {
        Config c = Configs.Single(x => x.Name == name);
        AttentionProblem p = c.Problem;
        int seed = 7000 + Array.IndexOf(Configs, c) * 31 + Array.IndexOf(Calls, call) * 3 + (poison ? 1 : 0);
        float[] q = TestData.Gaussian(seed, c.SeqLen * c.Dim);
        float[] k = TestData.Gaussian(seed + 1, c.KeyLen * c.KvDim);
        float[] v = TestData.Gaussian(seed + 2, c.KeyLen * c.KvDim);
        var rng = new Random(seed);
        bool masked = call.StartsWith("additive", StringComparison.Ordinal) || call.StartsWith("bool", StringComparison.Ordinal) || call == "bits";
        bool padded = call.StartsWith("padding", StringComparison.Ordinal);
        int validKeys = padded ? Math.Max(1, c.KeyLen - 1 - c.KeyLen / 3) : c.KeyLen;

        // Keys no row may see: past validKeys, or masked in every row ("dead"). Poisoned runs fill their K and V with NaN.
        var dead = new HashSet<int>();
        if (masked) for (int j = 0; j < c.KeyLen; j++) if (rng.NextDouble() < 0.2) dead.Add(j);
        if (padded) for (int j = validKeys; j < c.KeyLen; j++) dead.Add(j);
        bool[] allowed = new bool[c.SeqLen * c.KeyLen];
        float[] additive = new float[allowed.Length];
        for (int i = 0; i < c.SeqLen; i++)
        {
            for (int j = 0; j < c.KeyLen; j++)
            {
                // Row 0 is masked entirely (when there is more than one row) to check that such a row gives zeros.
                bool on = !dead.Contains(j) && !(i == 0 && c.SeqLen > 1) && rng.NextDouble() < 0.75;
                allowed[i * c.KeyLen + j] = on;
                additive[i * c.KeyLen + j] = on ? (float)(rng.NextDouble() * 4 - 2) : float.NegativeInfinity;
            }
        }
        byte[] bits = new byte[c.SeqLen * BitMask.BytesFor(c.KeyLen)];
        BitMask.Pack(allowed, c.SeqLen, c.KeyLen, bits);
        if (poison)
        {
            foreach (int j in dead)
            {
                for (int d = 0; d < c.KvDim; d++)
                {
                    k[j * c.KvDim + d] = float.NaN;
                    v[j * c.KvDim + d] = float.NaN;
                }
            }
        }

        float[] output = new float[c.SeqLen * c.Dim];
        bool withWeights = call.EndsWith("weights", StringComparison.Ordinal);
        float[] weights = withWeights ? new float[c.Heads * c.SeqLen * c.KeyLen] : Array.Empty<float>();
        _grid.Kernels.Call<CallFn>("Features.Calls", c.Name)(call, q, k, v, output, weights, additive, allowed, bits, validKeys);

        KernelMask mask = call switch
        {
            _ when padded => KernelMask.Padding(validKeys),
            _ when call.StartsWith("additive", StringComparison.Ordinal) => KernelMask.FromAdditive(additive),
            _ when call.StartsWith("bool", StringComparison.Ordinal) => KernelMask.FromAllowed(allowed),
            "bits" => KernelMask.FromBits(new BitMask(bits, c.SeqLen, c.KeyLen)),
            _ => default,
        };
        double[] expected = new double[output.Length];
        double[] expectedWeights = new double[weights.Length];
        AttentionReference.Attend(p, q, k, v, expected, mask, expectedWeights);
        double error = TestData.MaxError(output, expected);
        double bound = TestData.ProblemBound(p, q, k);
        _output.WriteLine($"{c.Attribute} {call}{(poison ? " poisoned" : "")} [{TestData.ActivePath}]: max |error| {error:E2}, bound {bound:E2}");
        Assert.True(error <= bound, $"{c.Name} {call}{(poison ? " poisoned" : "")} [{TestData.ActivePath}]: max |error| {error:E3} exceeds {bound:E3}");
        if (withWeights)
        {
            double werror = TestData.MaxError(weights, expectedWeights);
            Assert.True(werror <= bound, $"{c.Name} {call}: weights max |error| {werror:E3} exceeds {bound:E3}");
            for (int i = 0; i < expectedWeights.Length; i++)
            {
                if (expectedWeights[i] == 0) Assert.True(weights[i] == 0, $"{c.Name} {call}: weight {i} of a key the row does not see is {weights[i]}");
            }
            // Property: each row of probabilities sums to 1, or is all 0 for a row that sees no key.
            for (int row = 0; row < c.Heads * c.SeqLen; row++)
            {
                double sum = 0, expectedSum = 0;
                for (int j = 0; j < c.KeyLen; j++)
                {
                    sum += weights[row * c.KeyLen + j];
                    expectedSum += expectedWeights[row * c.KeyLen + j];
                }
                double target = expectedSum == 0 ? 0 : 1;
                Assert.True(Math.Abs(sum - target) <= 1e-5, $"{c.Name} {call}: row {row} of the weights sums to {sum}, expected {target}");
            }
        }
    }

    /// <summary>
    /// Property: without a band, masked attention is permutation-equivariant when the mask is permuted with the
    /// sequence (graph attention does not depend on how the nodes are numbered).
    /// </summary>
    [Theory]
    [InlineData("bool")]
    [InlineData("additive")]
    [InlineData("bits")]
    public void MaskedAttentionIsPermutationEquivariant(string call)
    {
        Config c = Configs.Single(x => x.Name == "Gqa4x2");
        int n = c.SeqLen;
        var rng = new Random(99);
        int[] perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
        float[] q = TestData.Gaussian(90, n * c.Dim), k = TestData.Gaussian(91, n * c.KvDim), v = TestData.Gaussian(92, n * c.KvDim);
        bool[] allowed = Enumerable.Range(0, n * n).Select(_ => rng.NextDouble() < 0.6).ToArray();
        float[] additive = allowed.Select(a => a ? (float)(rng.NextDouble() - 0.5) : float.NegativeInfinity).ToArray();

        float[] Rows(float[] a, int cols) { var r = new float[a.Length]; for (int i = 0; i < n; i++) Array.Copy(a, perm[i] * cols, r, i * cols, cols); return r; }
        T[] Square<T>(T[] a) { var r = new T[a.Length]; for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i * n + j] = a[perm[i] * n + perm[j]]; return r; }
        byte[] Pack(bool[] a) { var b = new byte[n * BitMask.BytesFor(n)]; BitMask.Pack(a, n, n, b); return b; }

        var fn = _grid.Kernels.Call<CallFn>("Features.Calls", c.Name);
        float[] o = new float[n * c.Dim], po = new float[n * c.Dim];
        fn(call, q, k, v, o, Array.Empty<float>(), additive, allowed, Pack(allowed), n);
        bool[] pAllowed = Square(allowed);
        fn(call, Rows(q, c.Dim), Rows(k, c.KvDim), Rows(v, c.KvDim), po, Array.Empty<float>(), Square(additive), pAllowed, Pack(pAllowed), n);

        double bound = TestData.ProblemBound(c.Problem, q, k);
        float[] expected = Rows(o, c.Dim);
        double error = 0;
        for (int i = 0; i < po.Length; i++) error = Math.Max(error, Math.Abs(po[i] - expected[i]));
        Assert.True(error <= 2 * bound, $"{call}: permuted output differs from the permuted output by {error:E3} (bound {2 * bound:E3})");
    }

    [Fact]
    public void GridCoversEveryOption()
    {
        Assert.Contains(Configs, c => c.KeyLen > c.SeqLen && c.BottomRight && c.Causal);
        Assert.Contains(Configs, c => c.KeyLen < c.SeqLen && c.BottomRight);
        Assert.Contains(Configs, c => c.Window == 0);
        Assert.Contains(Configs, c => c.Window != None && !c.Causal);
        Assert.Contains(Configs, c => c.Window != None && c.Causal);
        Assert.Contains(Configs, c => c.KvHeads == 1 && c.Heads > 1);
        Assert.Contains(Configs, c => c.KvHeads > 1 && c.KvHeads < c.Heads);
        Assert.Contains(Configs, c => c.Softcap > 0);
        Assert.Contains(Configs, c => c.HeadDim % 8 != 0);
        Assert.Contains(Configs, c => c.SeqLen == 1);
    }
}
