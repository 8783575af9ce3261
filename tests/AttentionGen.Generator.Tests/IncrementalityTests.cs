using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The generator's caching (NetEscapades style): a second run on a cloned compilation, or after an edit that
/// does not touch an [Attention] argument, must find every tracked step Cached or Unchanged and every output
/// Cached; changing one struct's argument regenerates that struct only; and no pipeline output may hold a
/// Roslyn object (symbol, syntax, location, compilation), which would defeat caching and keep compilations alive.
/// </summary>
public sealed class IncrementalityTests
{
    private const string Kernels = """
        using AttentionGen;
        namespace App;

        // A comment that the edit test changes.
        [Attention(seqLen: 16, dim: 64, heads: 4)]
        public partial struct Alpha { }

        [Attention(8, 32, Causal = true)]
        public partial struct Beta { }

        public static partial class Outer
        {
            [Attention(4, 12, 3, Scale = 1f)] public partial struct Gamma { }
        }
        """;

    private const string Other = """
        namespace App;
        public static class Helper { public static int Twice(int x) => 2 * x; }
        """;

    /// <summary>Every name in generator/TrackingNames.cs (read by reflection: the class is internal).</summary>
    public static string[] TrackingNames { get; } = typeof(AttentionGenerator).Assembly
        .GetType("AttentionGen.Generator.TrackingNames", throwOnError: true)!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private static readonly IncrementalStepRunReason[] CachedOrUnchanged = { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged };

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        Assert.True(first.Exception is null, "generator threw: " + first.Exception);
        Assert.True(first.GeneratedSources.Length == 3, $"expected 3 generated files, got {first.GeneratedSources.Length}");
        return (driver, compilation);
    }

    private static GeneratorRunResult Rerun(ref GeneratorDriver driver, Compilation compilation)
    {
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.True(result.Exception is null, "generator threw: " + result.Exception);
        return result;
    }

    private static string Reasons(GeneratorRunResult result) => string.Join("\n",
        result.TrackedSteps.Where(s => TrackingNames.Contains(s.Key)).Concat(result.TrackedOutputSteps)
            .Select(s => $"  {s.Key}: {string.Join(", ", s.Value.SelectMany(step => step.Outputs).Select(o => o.Reason))}"));

    private static void AssertEverythingCached(GeneratorRunResult result)
    {
        foreach (string name in TrackingNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"tracked step '{name}' did not run; steps: {string.Join(", ", result.TrackedSteps.Keys)}");
            foreach (var output in result.TrackedSteps[name].SelectMany(step => step.Outputs))
            {
                Assert.True(CachedOrUnchanged.Contains(output.Reason), $"step '{name}' has an output {output.Reason}; expected Cached or Unchanged\n{Reasons(result)}");
            }
        }
        var sourceOutputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToList();
        Assert.NotEmpty(sourceOutputs);
        Assert.True(sourceOutputs.All(o => o.Reason == IncrementalStepRunReason.Cached), "a source output was not Cached\n" + Reasons(result));
    }

    [Fact]
    public void SecondRunOnAClonedCompilationIsFullyCached()
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        ImmutableArray<GeneratedSourceResult> before = driver.GetRunResult().Results.Single().GeneratedSources;
        GeneratorRunResult second = Rerun(ref driver, compilation.Clone());
        AssertEverythingCached(second);
        Assert.Equal(before.Select(s => s.SourceText.ToString()), second.GeneratedSources.Select(s => s.SourceText.ToString()));
    }

    [Theory]
    [InlineData("// A comment that the edit test changes.", "// An edited comment, and a new type below.\npublic class Unrelated { public int X; }")]
    [InlineData("public partial struct Beta { }", "public partial struct Beta { public int Field; public void Method() { } }")]
    public void EditElsewhereInTheSameFileLeavesTheOutputCached(string find, string replace)
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        SyntaxTree tree = compilation.SyntaxTrees.First();
        Assert.Contains(find, tree.ToString(), StringComparison.Ordinal);
        Compilation edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(tree.ToString().Replace(find, replace, StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        AssertEverythingCached(Rerun(ref driver, edited));
    }

    [Fact]
    public void EditInAnotherFileLeavesTheOutputCached()
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        Compilation edited = compilation
            .ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText(other.ToString().Replace("2 * x", "x + x", StringComparison.Ordinal), GeneratorHarness.ParseOptions))
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace App; public record Added(int Value);", GeneratorHarness.ParseOptions));
        AssertEverythingCached(Rerun(ref driver, edited));
    }

    [Fact]
    public void ChangingOneAttributeArgumentRegeneratesOnlyThatStruct()
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        Dictionary<string, string> before = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        SyntaxTree tree = compilation.SyntaxTrees.First();
        Compilation edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
            tree.ToString().Replace("heads: 4", "heads: 8", StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = Rerun(ref driver, edited);

        // The model step: Alpha's spec is Modified, the others are Unchanged (their transform re-ran: same file).
        var specs = result.TrackedSteps["ValidKernels"].SelectMany(step => step.Outputs).ToList();
        Assert.Equal(3, specs.Count);
        foreach (var (value, reason) in specs)
        {
            string name = (string)value.GetType().GetProperty("Name")!.GetValue(value)!;
            IncrementalStepRunReason[] expected = name == "Alpha" ? new[] { IncrementalStepRunReason.Modified } : CachedOrUnchanged;
            Assert.True(expected.Contains(reason), $"{name}: {reason}\n{Reasons(result)}");
        }
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToList();
        Assert.Equal(1, outputs.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(2, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));

        Dictionary<string, string> after = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(before.Keys.OrderBy(k => k, StringComparer.Ordinal), after.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.NotEqual(before["App.Alpha.g.cs"], after["App.Alpha.g.cs"]);
        Assert.Contains("public const int Heads = 8;", after["App.Alpha.g.cs"], StringComparison.Ordinal);
        Assert.Equal(before["App.Beta.g.cs"], after["App.Beta.g.cs"]);
        Assert.Equal(before["App.Outer.Gamma.g.cs"], after["App.Outer.Gamma.g.cs"]);
    }

    [Fact]
    public void MakingADeclarationInvalidRemovesOnlyItsOutput()
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        SyntaxTree tree = compilation.SyntaxTrees.First();
        Compilation edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(
            tree.ToString().Replace("heads: 4", "heads: 5", StringComparison.Ordinal), GeneratorHarness.ParseOptions));
        GeneratorRunResult result = Rerun(ref driver, edited);
        Assert.Equal(new[] { "App.Beta.g.cs", "App.Outer.Gamma.g.cs" }, result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(step => step.Outputs).ToList();
        Assert.Equal(2, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void NoPipelineOutputHoldsARoslynObject()
    {
        var (driver, compilation) = FirstRun(Kernels, Other);
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        GeneratorRunResult second = Rerun(ref driver, compilation.Clone());
        int walked = 0;
        foreach (GeneratorRunResult result in new[] { first, second })
        {
            foreach (string name in TrackingNames)
            {
                foreach (var (value, _) in result.TrackedSteps[name].SelectMany(step => step.Outputs))
                {
                    AssertNoRoslynObjects(value, $"{name} output", new HashSet<object>(ReferenceEqualityComparer.Instance));
                    walked++;
                }
            }
        }
        Assert.True(walked >= 2 * TrackingNames.Length, $"walked only {walked} outputs");
    }

    [Fact]
    public void TheRoslynObjectCheckCanFail()
    {
        // The walker must see through records, tuples and arrays: a location inside a tuple is found.
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(Other);
        var bad = (Name: "x", Items: new object[] { Location.Create(compilation.SyntaxTrees[0], default) });
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNoRoslynObjects(bad, "test", new HashSet<object>(ReferenceEqualityComparer.Instance)));
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => AssertNoRoslynObjects(new List<object> { compilation }, "test", new HashSet<object>(ReferenceEqualityComparer.Instance)));
    }

    private static readonly Type[] Forbidden =
    {
        typeof(Compilation), typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Location),
        typeof(SemanticModel), typeof(AttributeData), typeof(Diagnostic),
    };

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        Type type = value.GetType();
        foreach (Type forbidden in Forbidden)
        {
            if (forbidden.IsAssignableFrom(type))
            {
                throw new Xunit.Sdk.XunitException($"{path} holds a {forbidden.Name} ({type.FullName}); pipeline models must be plain values");
            }
        }
        if (type.Name is nameof(SyntaxToken) or nameof(SyntaxTrivia) || type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true && !type.IsValueType)
        {
            throw new Xunit.Sdk.XunitException($"{path} holds a Roslyn object ({type.FullName})");
        }
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence) AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
        }
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer) continue;
                AssertNoRoslynObjects(field.GetValue(value), $"{path}.{field.Name}", seen);
            }
        }
    }
}
