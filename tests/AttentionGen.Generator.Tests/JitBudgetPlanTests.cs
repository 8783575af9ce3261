using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The generator counts what it emits per row-block method against the JIT budget
/// (KernelLimits.MaxLocalReferencesPerMethod, ≈ 4 IL local/argument references per vector statement) and
/// records the count in a comment at the end of each method; shapes at the limits must stay within it.
/// The child-process check of how the JIT really compiled the methods is JitBudgetTests in AttentionGen.Tests.
/// </summary>
public sealed class JitBudgetPlanTests
{
    private static readonly Regex s_count = new(@"// (\d+) statements ≈ (\d+) IL local/argument references: budget (\d+)", RegexOptions.CultureInvariant);
    private readonly ITestOutputHelper _output;

    public JitBudgetPlanTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(16384, 1024, 1, false)]      // longest sequence, longest head
    [InlineData(16384, 1024, 1, true)]
    [InlineData(8, 1024, 1, true)]
    [InlineData(2, 16384, 16, false)]       // head dim 1024, 16 heads
    [InlineData(37, 1020, 60, true)]        // head dim 17: partial vectors
    [InlineData(128, 768, 12, false)]
    [InlineData(200, 1000, 10, true)]       // head dim 100
    [InlineData(1, 1, 1, false)]
    public void EveryRowBlockMethodStaysWithinTheBudget(int seqLen, int dim, int heads, bool causal)
    {
        string source = string.Create(CultureInfo.InvariantCulture,
            $"using AttentionGen;\nnamespace Budget;\n[Attention({seqLen}, {dim}, {heads}, Causal = {(causal ? "true" : "false")})] public partial struct K {{ }}\n");
        var (_, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        Assert.Empty(diagnostics);
        string text = Assert.Single(result.GeneratedSources).SourceText.ToString();
        var counts = s_count.Matches(text).Select(m => (Statements: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), References: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), Budget: int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.True(counts.Count >= 2, "expected a statement count after every row-block method of both paths");
        _output.WriteLine($"[{seqLen}, {dim}, {heads}, causal={causal}]: " + string.Join(", ", counts.Select(c => $"{c.Statements} statements / {c.References} refs")) + (text.Contains("Compact plan", StringComparison.Ordinal) ? " (compact plan)" : ""));
        Assert.All(counts, c => Assert.True(c.References <= c.Budget, $"a row-block method has ≈{c.References} references, over the budget {c.Budget}"));
        Assert.All(counts, c => Assert.Equal(6000, c.Budget));
    }
}
