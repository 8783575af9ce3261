using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AttentionGen.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Kernels with <c>Projections = true</c> generated and compiled in memory: <c>Forward</c> against the float64 layer
/// reference, and every generated projection tile within the JIT budget.
/// </summary>
public sealed class ProjectionGeneratorTests
{
    private static readonly Regex s_count = new(@"// (\d+) statements ≈ (\d+) IL local/argument references: budget (\d+)", RegexOptions.CultureInvariant);
    private readonly ITestOutputHelper _output;

    public ProjectionGeneratorTests(ITestOutputHelper output) => _output = output;

    public delegate void ForwardFn(float[] x, float[] source, AttentionWeights weights, float[] output);

    [Theory]
    [InlineData(5, 24, 3, false)]     // Dim 24: a Vector512 1-vector tile + 8 scalar columns; 5 rows < one block of 6
    [InlineData(13, 96, 4, true)]     // Dim 96: one Vector512 tile of 4 + a 2-vector tile; 2 blocks of 6 + 1 row
    [InlineData(8, 36, 6, false)]     // HeadDim 6, Dim 36: 2 Vector512 vectors + 4 scalar columns
    public void ForwardMatchesTheFloat64Reference(int seqLen, int dim, int heads, bool causal)
    {
        string source = string.Create(CultureInfo.InvariantCulture,
            $"using AttentionGen;\nnamespace Proj;\n[Attention({seqLen}, {dim}, {heads}, Causal = {(causal ? "true" : "false")}, Projections = true)] public partial struct K {{ }}\n")
            + "public static class Call { public static void Forward(float[] x, float[] s, AttentionWeights w, float[] o) => K.Forward(x, s, w, o); }\n";
        using LoadedKernels kernels = GeneratorHarness.CompileAndLoad(source);
        var forward = kernels.Call<ForwardFn>("Proj.Call", "Forward");
        float[] x = TestData.Gaussian(1, seqLen * dim), src = TestData.Gaussian(2, seqLen * dim);
        float f = 1f / MathF.Sqrt(dim);
        float[] W(int seed) => TestData.Gaussian(seed, dim * dim).Select(t => t * f).ToArray();
        var weights = new AttentionWeights(dim, W(3), W(4), W(5), W(6), TestData.Uniform(7, dim), TestData.Uniform(8, dim), TestData.Uniform(9, dim), TestData.Uniform(10, dim));
        float[] output = new float[seqLen * dim];
        forward(x, src, weights, output);
        double[] expected = new double[output.Length];
        AttentionReference.Forward(new AttentionProblem(seqLen, dim, heads) { Causal = causal }, x, src, weights, expected);
        double error = TestData.MaxError(output, expected);
        _output.WriteLine($"[{seqLen}, {dim}, {heads}, causal={causal}] [{TestData.ActivePath}]: max |error| {error:E3}");
        // A fixed bound here (the derived one is ProjectionTests.ForwardBound in AttentionGen.Tests): inputs N(0,1),
        // weights N(0, 1/Dim), Dim ≤ 96; measured errors are ≤ 1e-6.
        Assert.True(error <= 2e-5, $"max |error| {error:E3}");
    }

    [Theory]
    [InlineData(128, 768, 12)]        // BERT-base
    [InlineData(7, 16384, 16)]        // the longest K and N: the loop over K is not unrolled further
    [InlineData(33, 20, 4)]
    [InlineData(1, 1, 1)]
    public void EveryProjectionTileStaysWithinTheBudget(int seqLen, int dim, int heads)
    {
        string source = string.Create(CultureInfo.InvariantCulture,
            $"using AttentionGen;\nnamespace Budget;\n[Attention({seqLen}, {dim}, {heads}, Projections = true)] public partial struct K {{ }}\n");
        var (_, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        Assert.Empty(diagnostics);
        string text = Assert.Single(result.GeneratedSources).SourceText.ToString();
        int projectionStart = text.IndexOf("private static class ProjectionPath", StringComparison.Ordinal);
        Assert.True(projectionStart > 0, "no ProjectionPath emitted");
        int projectionEnd = text.IndexOf("private static class Vector512Path", projectionStart, StringComparison.Ordinal);
        string projection = projectionEnd > 0 ? text.Substring(projectionStart, projectionEnd - projectionStart) : text.Substring(projectionStart);
        int tiles = Regex.Matches(projection, @"private static void Tile\d+x\d+_").Count;
        var counts = s_count.Matches(projection).Select(m => (References: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Budget: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        _output.WriteLine($"[{seqLen}, {dim}, {heads}]: {tiles} tiles, references {string.Join(", ", counts.Select(c => c.References))}; file {text.Split('\n').Length} lines");
        Assert.Equal(tiles, counts.Count);
        Assert.All(counts, c => Assert.True(c.References <= c.Budget, $"a tile has ≈{c.References} references, over the budget {c.Budget}"));
        Assert.All(counts, c => Assert.Equal(6000, c.Budget));
        Assert.True(text.Split('\n').Length < GeneratorPerformanceTests.MaxLines, "the generated file is too long");
    }
}
