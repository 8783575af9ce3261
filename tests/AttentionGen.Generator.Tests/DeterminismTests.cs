using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Byte-identical output for the same input: across runs, across fresh drivers, and across cultures, in
/// particular one whose minus sign is U+2212 (as sv-SE's is), with negative and tiny Scale values whose
/// literals would otherwise be written with that minus or a comma and not compile.
/// </summary>
public sealed class DeterminismTests
{
    private const string Source = """
        using AttentionGen;
        namespace Det;
        [Attention(8, 48, 3, Scale = -0.125f)] public partial struct NegativeScale { }
        [Attention(5, 20, 2, Causal = true, Scale = -1.5E-05f)] public partial struct TinyNegativeScale { }
        [Attention(7, 17)] public partial struct DefaultScale { }
        [Attention(4, 8, Scale = 12345.678f)] public partial struct LargeScale { }
        """;

    /// <summary>A culture like sv-SE: U+2212 minus, decimal comma, non-breaking-space group separator.</summary>
    internal static CultureInfo MinusSignCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NegativeSign = "\u2212";
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = "\u00a0";
        culture.NumberFormat.PositiveInfinitySymbol = "∞";
        return culture;
    }

    private static (string[] Texts, Compilation Output) Generate(CultureInfo culture)
    {
        CultureInfo savedCulture = CultureInfo.CurrentCulture, savedUi = CultureInfo.CurrentUICulture;
        CultureInfo? savedDefault = CultureInfo.DefaultThreadCurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            CultureInfo.DefaultThreadCurrentCulture = culture;
            Assert.Equal(culture.NumberFormat.NegativeSign, (-1).ToString(CultureInfo.CurrentCulture)[..1]);
            var (output, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(Source));
            Assert.Null(result.Exception);
            Assert.Empty(diagnostics);
            return (result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText).ToArray(), output);
        }
        finally
        {
            CultureInfo.CurrentCulture = savedCulture;
            CultureInfo.CurrentUICulture = savedUi;
            CultureInfo.DefaultThreadCurrentCulture = savedDefault;
        }
    }

    [Fact]
    public void OutputIsIdenticalUnderAMinusSignCulture()
    {
        var (invariant, _) = Generate(CultureInfo.InvariantCulture);
        var (minus, output) = Generate(MinusSignCulture());
        Assert.Equal(4, invariant.Length);
        for (int i = 0; i < invariant.Length; i++)
        {
            Assert.True(invariant[i] == minus[i], $"file {i} differs between the invariant culture and a U+2212-minus culture:\n{FirstDifference(invariant[i], minus[i])}");
        }
        // The literals are plain C#, and the code compiles (a U+2212 or a decimal comma would not).
        string negative = invariant.Single(t => t.StartsWith("Det.NegativeScale.g.cs", StringComparison.Ordinal));
        Assert.Contains("public const float Scale = -0.125f;", negative, StringComparison.Ordinal);
        string tiny = invariant.Single(t => t.StartsWith("Det.TinyNegativeScale.g.cs", StringComparison.Ordinal));
        Assert.Contains("public const float Scale = -1.5E-05f;", tiny, StringComparison.Ordinal);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "output generated under the U+2212 culture does not compile cleanly:\n" + string.Join("\n", problems.Take(10)));
    }

    [Fact]
    public void OutputIsIdenticalAcrossRunsAndDrivers()
    {
        var (first, _) = Generate(CultureInfo.InvariantCulture);
        var (second, _) = Generate(CultureInfo.InvariantCulture);
        Assert.Equal(first, second);

        // And the same declarations in another order and another file produce the same files.
        string[] lines = Source.Split('\n');
        string reordered = string.Join("\n", lines.Take(2).Concat(lines.Skip(2).Reverse()));
        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("// another file first\n", reordered));
        Assert.Equal(first, result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => s.HintName + "\n" + s.SourceText).ToArray());
    }

    private static string FirstDifference(string a, string b)
    {
        string[] x = a.Split('\n'), y = b.Split('\n');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (x[i] != y[i]) return $"line {i + 1}:\n  invariant: {x[i]}\n  culture:   {y[i]}";
        }
        return $"lengths {x.Length} and {y.Length} lines";
    }
}
