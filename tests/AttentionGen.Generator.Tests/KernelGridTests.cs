using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Kernels for a grid of shapes, generated and compiled in memory, against the float64 reference.
/// The grid covers every value of seqLen ∈ {1, 2, 7, 16, 33, 64, 128, 200}, headDim ∈ {1, 3, 8, 17, 32,
/// 64, 100, 128}, heads ∈ {1, 2, 3, 12}, causal on and off, Scale = 1 and the default, with inputs
/// uniform in [−1, 1] and N(0, 1). The bound is <see cref="TestData.Bound"/>.
/// </summary>
public sealed class KernelGridTests : IClassFixture<KernelGridTests.Grid>
{
    private static readonly int[] SeqLens = { 1, 2, 7, 16, 33, 64, 128, 200 };
    private static readonly int[] HeadDims = { 1, 3, 8, 17, 32, 64, 100, 128 };
    private static readonly int[] HeadCounts = { 1, 2, 3, 12 };

    public sealed record Config(int Index, int SeqLen, int HeadDim, int Heads, bool Causal, bool UnitScale)
    {
        public int Dim => HeadDim * Heads;
        public string Name => $"K{Index}_S{SeqLen}_D{HeadDim}_H{Heads}{(Causal ? "_causal" : "")}{(UnitScale ? "_scale1" : "")}";
        public double Scale => UnitScale ? 1.0 : (float)(1.0 / Math.Sqrt(HeadDim));
    }

    public static IReadOnlyList<Config> Configs { get; } = BuildConfigs();

    private static List<Config> BuildConfigs()
    {
        // 32 configurations: every seqLen appears 4×, every head dim 4×, every head count 8×,
        // causal and Scale each on for half, in varied combinations.
        var list = new List<Config>();
        for (int i = 0; i < 32; i++)
        {
            int s = SeqLens[i % 8];
            int d = HeadDims[(i * 3 + i / 8) % 8];
            int h = HeadCounts[(i + i / 8) % 4];
            if (s * d * h > 200 * 128 * 3) h = 3;   // keep the largest cases quick
            list.Add(new Config(i, s, d, h, Causal: (i / 2) % 2 == 1, UnitScale: (i / 4) % 2 == 1));
        }
        return list;
    }

    public sealed class Grid : IDisposable
    {
        public Grid()
        {
            var source = new StringBuilder("using AttentionGen;\nnamespace Grid;\n");
            var wrappers = new StringBuilder("public static class WeightsWrappers\n{\n");
            foreach (Config c in Configs)
            {
                source.Append(CultureInfo.InvariantCulture, $"[Attention({c.SeqLen}, {c.Dim}, {c.Heads}, Causal = {(c.Causal ? "true" : "false")}{(c.UnitScale ? ", Scale = 1f" : "")})] public partial struct {c.Name} {{ }}\n");
                // The weights overload is a generated member, not an interface member: wrap it for the tests.
                wrappers.Append(CultureInfo.InvariantCulture, $"    public static void {c.Name}(float[] q, float[] k, float[] v, float[] o, float[] w) => Grid.{c.Name}.Attend(q, k, v, o, w);\n");
            }
            source.Append(wrappers).Append("}\n");
            Kernels = GeneratorHarness.CompileAndLoad(source.ToString());
        }

        public LoadedKernels Kernels { get; }

        public void Dispose() => Kernels.Dispose();
    }

    private readonly Grid _grid;
    private readonly ITestOutputHelper _output;

    public KernelGridTests(Grid grid, ITestOutputHelper output)
    {
        _grid = grid;
        _output = output;
    }

    public static IEnumerable<object[]> Cases() =>
        Configs.SelectMany(c => new[] { new object[] { c.Index, "uniform" }, new object[] { c.Index, "gaussian" } });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(int index, string distribution)
    {
        Config c = Configs[index];
        int n = c.SeqLen * c.Dim;
        int seed = 1000 + index * 7 + (distribution == "gaussian" ? 1 : 0);
        Func<int, int, float[]> draw = distribution == "gaussian" ? TestData.Gaussian : (sd, len) => TestData.Uniform(sd, len);
        float[] q = draw(seed, n), k = draw(seed + 100, n), v = draw(seed + 200, n);
        float[] output = new float[n];

        _grid.Kernels.Attend("Grid." + c.Name)(q, k, v, output);

        double[] expected = new double[n];
        AttentionReference.Attend(q, k, v, expected, c.SeqLen, c.SeqLen, c.Dim, c.Heads, c.Scale, c.Causal);
        double error = TestData.MaxError(output, expected);
        double bound = TestData.KernelBound(q, k, c.SeqLen, c.SeqLen, c.Dim, c.Heads, c.Scale);
        _output.WriteLine($"{c.Name} {distribution} [{TestData.ActivePath}]: max |error| {error:E2}, bound {bound:E2}");
        Assert.True(error <= bound, $"{c.Name} ({distribution}, {TestData.ActivePath} path): max |error| {error:E3} exceeds bound {bound:E3}");
    }

    [Theory]
    [MemberData(nameof(WeightCases))]
    public void WeightsMatchFloat64Reference(int index)
    {
        Config c = Configs[index];
        int n = c.SeqLen * c.Dim;
        float[] q = TestData.Gaussian(5000 + index, n), k = TestData.Gaussian(5100 + index, n), v = TestData.Gaussian(5200 + index, n);
        float[] output = new float[n], plain = new float[n];
        float[] weights = new float[c.Heads * c.SeqLen * c.SeqLen];
        _grid.Kernels.Call<Action<float[], float[], float[], float[], float[]>>("Grid.WeightsWrappers", c.Name)(q, k, v, output, weights);
        _grid.Kernels.Attend("Grid." + c.Name)(q, k, v, plain);
        Assert.Equal(plain, output);   // the same computation, plus the stores of the probabilities

        double[] expectedOut = new double[n];
        double[] expected = new double[weights.Length];
        AttentionReference.Attend(q, k, v, expectedOut, c.SeqLen, c.SeqLen, c.Dim, c.Heads, c.Scale, c.Causal, expected);
        double error = TestData.MaxError(weights, expected);
        double bound = TestData.KernelBound(q, k, c.SeqLen, c.SeqLen, c.Dim, c.Heads, c.Scale);
        Assert.True(error <= bound, $"{c.Name} [{TestData.ActivePath}]: weights max |error| {error:E3} exceeds {bound:E3}");
        for (int row = 0; row < c.Heads * c.SeqLen; row++)
        {
            double sum = 0;
            for (int j = 0; j < c.SeqLen; j++) sum += weights[row * c.SeqLen + j];
            Assert.True(Math.Abs(sum - 1) <= 1e-5, $"{c.Name}: row {row} of the weights sums to {sum}");
            if (c.Causal)
            {
                for (int j = row % c.SeqLen + 1; j < c.SeqLen; j++) Assert.Equal(0f, weights[row * c.SeqLen + j]);
            }
        }
    }

    public static IEnumerable<object[]> WeightCases() => Configs.Select(c => new object[] { c.Index });

    [Fact]
    public void GridCoversEveryValue()
    {
        Assert.All(SeqLens, s => Assert.Contains(Configs, c => c.SeqLen == s));
        Assert.All(HeadDims, d => Assert.Contains(Configs, c => c.HeadDim == d));
        Assert.All(HeadCounts, h => Assert.Contains(Configs, c => c.Heads == h));
        Assert.Contains(Configs, c => c.Causal);
        Assert.Contains(Configs, c => !c.Causal);
        Assert.Contains(Configs, c => c.UnitScale);
        Assert.Contains(Configs, c => !c.UnitScale);
    }
}
