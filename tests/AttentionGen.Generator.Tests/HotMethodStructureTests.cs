using System;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Guards the first-call structure of the row blocks (docs/kernel-design.md, "First call (JIT) and the JIT budget"):
/// each row block is a small glue method <c>Rows{R}</c> which calls three hot
/// micro-kernels <c>Scores{R}</c>, <c>Softmax{R}</c>, <c>Values{R}</c> marked AggressiveOptimization, so that the JIT compiles
/// them once, fully optimised, with no tier-0 code and no OSR. The hot methods must stay small (their JIT time grows
/// with their size) and hold none of the rare paths (masks, probabilities, exact values), which are methods of their
/// own (<c>Mask{R}</c>, <c>Weights{R}</c>, <c>Exact{R}</c>), compiled only when a call needs them (NoInlining, so that the hot glue does not pull them in). The glue is hot too.
/// </summary>
public sealed class HotMethodStructureTests
{
    private const string Hot = "AggressiveOptimization";

    /// <summary>The most statements a hot micro-kernel may hold (≈ 4 IL local references each).</summary>
    private const int MaxHotStatements = 360;

    /// <summary>The most statements of the glue method.</summary>
    private const int MaxGlueStatements = 40;

    private readonly ITestOutputHelper _output;

    public HotMethodStructureTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("128, 768, 12")]
    [InlineData("512, 512, 8, Causal = true")]
    [InlineData("37, 51, 3, Causal = true")]                                   // tail rows: the last block covers them
    [InlineData("512, 1024, 8, KvHeads = 2, Causal = true, Window = 64, Softcap = 30f")]
    [InlineData("100, 96, 4, KeyLen = 300, Window = 20, CausalAlignment = CausalAlignment.BottomRight")]
    [InlineData("64, 2048, 2")]                                               // head dimension 1024
    [InlineData("16384, 1024, 1, Causal = true")]                             // the shape limits
    [InlineData("2, 512, 8, KeyLen = 512")]                                   // keys read in place
    [InlineData("32, 64, 8")]                                                 // ≤ 32 keys, head dimension 8: rows as the vector lanes too
    [InlineData("32, 64, 8, Causal = true")]
    public void RowBlocksAreSmallGlueOverHotMicroKernels(string attribute)
    {
        string source = $"using AttentionGen;\nnamespace Hot;\n[Attention({attribute})] public partial struct K {{ }}\n";
        var (_, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        Assert.Empty(diagnostics);
        SyntaxNode root = CSharpSyntaxTree.ParseText(Assert.Single(result.GeneratedSources).SourceText).GetRoot();

        int blocks = 0;
        foreach (string path in new[] { "Vector512Path", "Vector256Path" })
        {
            ClassDeclarationSyntax type = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.Text == path);
            MethodDeclarationSyntax[] methods = type.Members.OfType<MethodDeclarationSyntax>().ToArray();
            MethodDeclarationSyntax[] glues = methods.Where(m => m.Identifier.Text.StartsWith("Rows", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(glues);
            foreach (MethodDeclarationSyntax glue in glues)
            {
                string rows = glue.Identifier.Text.Substring("Rows".Length);
                Assert.True(int.TryParse(rows, NumberStyles.None, CultureInfo.InvariantCulture, out _), glue.Identifier.Text);
                Assert.True(IsHot(glue), $"{path}.{glue.Identifier.Text} must be AggressiveOptimization (a tier-0 glue slows calls until it is promoted)");
                int glueStatements = Statements(glue);
                Assert.True(glueStatements <= MaxGlueStatements, $"{path}.{glue.Identifier.Text}: {glueStatements} statements");

                string[] called = glue.DescendantNodes().OfType<InvocationExpressionSyntax>().Select(i => i.Expression.ToString()).ToArray();
                // The rare paths are methods of their own, compiled only when a call needs them, not code in the glue.
                string[] glueNames = glue.Body!.DescendantNodes().OfType<IdentifierNameSyntax>().Select(n => n.Identifier.Text).ToArray();
                Assert.DoesNotContain("KernelMasking", glueNames);
                Assert.DoesNotContain("KernelWeights", glueNames);
                foreach (string rare in new[] { "Mask", "Weights", "Exact" })
                {
                    Assert.Contains(rare + rows, called);
                    Assert.False(IsHot(Assert.Single(methods, m => m.Identifier.Text == rare + rows)), $"{path}.{rare}{rows} must not be hot");
                }
                foreach (string part in new[] { "Scores", "Softmax", "Values" })
                {
                    string name = part + rows;
                    Assert.Contains($"{name}<TKeys>", called);
                    MethodDeclarationSyntax hot = Assert.Single(methods, m => m.Identifier.Text == name);
                    Assert.True(IsHot(hot), $"{path}.{name} must be marked AggressiveOptimization");
                    int statements = Statements(hot);
                    _output.WriteLine($"[{attribute}] {path}.{name}: {statements} statements");
                    Assert.True(statements <= MaxHotStatements, $"{path}.{name}: {statements} statements, over {MaxHotStatements}");
                    string[] names = hot.Body!.DescendantNodes().OfType<IdentifierNameSyntax>().Select(n => n.Identifier.Text).ToArray();
                    foreach (string rare in new[] { "KernelMasking", "KernelWeights", "mask", "exactValues" })
                    {
                        Assert.DoesNotContain(rare, names);
                    }
                }
                blocks++;
            }
            // The rows-as-lanes kernel (≤ 32 keys, narrow heads) is one hot method: no tier-0 code, no rejit while it runs.
            if (methods.FirstOrDefault(m => m.Identifier.Text == "Lanes") is { } lanes)
            {
                Assert.True(IsHot(lanes), $"{path}.Lanes must be marked AggressiveOptimization");
                int statements = Statements(lanes);
                _output.WriteLine($"[{attribute}] {path}.Lanes: {statements} statements");
                Assert.True(statements <= MaxHotStatements, $"{path}.Lanes: {statements} statements, over {MaxHotStatements}");
            }
            // Nothing else in the path is hot: the hot set is exactly the micro-kernels.
            foreach (MethodDeclarationSyntax m in methods.Where(IsHot))
            {
                Assert.Matches("^((Rows|Scores|Softmax|Values)[0-9]+|Lanes)$", m.Identifier.Text);
            }
        }
        Assert.True(blocks >= 2, "expected a row block on each vector path");
    }

    private static bool IsHot(MethodDeclarationSyntax m) =>
        m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().EndsWith("MethodImpl", StringComparison.Ordinal) && a.ArgumentList!.ToString().Contains(Hot, StringComparison.Ordinal));

    private static int Statements(MethodDeclarationSyntax m) =>
        m.Body!.DescendantNodes().Count(n => n is ExpressionStatementSyntax or LocalDeclarationStatementSyntax or ReturnStatementSyntax);
}
