using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The generator and the analyzer never throw: malformed and half-typed declarations, then a seeded loop of
/// random token mutations of valid declarations. A generator exception shows up as
/// <see cref="GeneratorRunResult.Exception"/> (and the compiler's CS8785 warning), an analyzer exception as AD0001.
/// </summary>
public sealed class RobustnessTests
{
    private readonly ITestOutputHelper _output;

    public RobustnessTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Malformed() => new[]
    {
        // missing arguments, wrong types, wrong counts
        "[Attention] partial struct A { }",
        "[Attention()] partial struct A { }",
        "[Attention(2)] partial struct A { }",
        "[Attention(2, )] partial struct A { }",
        "[Attention(, 64)] partial struct A { }",
        "[Attention(2, 64, 1, 5)] partial struct A { }",
        "[Attention(\"2\", 64)] partial struct A { }",
        "[Attention(2.5, 64)] partial struct A { }",
        "[Attention(2, 64, 2L)] partial struct A { }",
        "[Attention(2, 64, Scale = \"big\")] partial struct A { }",
        "[Attention(2, 64, Scale = 1.0)] partial struct A { }",
        "[Attention(2, 64, Causal = 1)] partial struct A { }",
        "[Attention(2, 64, Nope = 1)] partial struct A { }",
        "[Attention(2, 64, heads: 2, heads: 2)] partial struct A { }",
        "[Attention(seqLen: 2, seqLen: 3, dim: 64)] partial struct A { }",
        "[Attention(typeof(int), 64)] partial struct A { }",
        "[Attention(new[] { 1 }, 64)] partial struct A { }",
        "[Attention(default, default)] partial struct A { }",
        "[Attention(2, 64, Scale = float.NaN)] partial struct A { }",
        "[Attention(2, 64, Scale = -0f)] partial struct A { }",
        "[Attention(2, 64, Scale = float.Epsilon)] partial struct A { }",
        "[Attention(2, 64, Scale = float.MaxValue)] partial struct A { }",
        "static class C { public static int N; } [Attention(C.N, C.N, C.N)] partial struct A { }",
        // sizes: 0, negative, int.MaxValue, seqLen·dim overflowing int
        "[Attention(0, 0, 0)] partial struct A { }",
        "[Attention(-1, -1, -1)] partial struct A { }",
        "[Attention(int.MinValue, int.MinValue, int.MinValue)] partial struct A { }",
        "[Attention(int.MaxValue, int.MaxValue, int.MaxValue)] partial struct A { }",
        "[Attention(int.MaxValue, int.MaxValue, 1)] partial struct A { }",
        "[Attention(65536, 65536, 64)] partial struct A { }",
        "[Attention(46341, 46341, 46341)] partial struct A { }",
        "[Attention(2, 64, int.MaxValue)] partial struct A { }",
        "[Attention(2, 64, -64)] partial struct A { }",
        // unclosed braces and half-typed declarations
        "[Attention(2, 64)] partial struct A {",
        "[Attention(2, 64)] partial struct A",
        "[Attention(2, 64)] partial struct",
        "[Attention(2, 64)] partial",
        "[Attention(2, 64)]",
        "[Attention(2, 64",
        "[Attention(2,",
        "[Attention(",
        "[Attention(2, 64)] partial struct A { void M() { ",
        "namespace N { [Attention(2, 64)] partial struct A { }",
        "namespace N { partial class O { [Attention(2, 64)] partial struct A { }",
        "[Attention(2, 64)] partial struct A { } }}}",
        "[Attention(2, 64)] partial struct A<",
        "[Attention(2, 64)] partial struct A<T { }",
        "[Attention(2, 64)] partial struct A : { }",
        "[Attention(2, 64)] partial struct 1A { }",
        // duplicates and odd targets
        "[Attention(2, 64)][Attention(2, 64)] partial struct A { }",
        "[Attention(2, 64), Attention(4, 64)] partial struct A { }",
        "[Attention(2, 64)] partial struct A { } [Attention(4, 64)] partial struct A { }",
        "[Attention(2, 64)] partial struct A { } partial struct A { public const int Dim = 1; public const int Dim = 2; }",
        "[Attention(2, 64)] struct A { } [Attention(2, 64)] struct A { }",
        "class C { [Attention(2, 64)] void M() { } }",
        "class C { [Attention(2, 64)] int F; }",
        "class C { void M([Attention(2, 64)] int p) { } }",
        "class C { [return: Attention(2, 64)] int M() => 0; }",
        "[assembly: Attention(2, 64)]",
        "[module: Attention(2, 64)]",
        "[Attention(2, 64)] enum E { A }",
        "[Attention(2, 64)] delegate void D();",
        "[Attention(2, 64)] partial record struct R;",
        "[Attention(2, 64)] partial record R(int X);",
        "[Attention(2, 64)] ref partial struct A { }",
        "[Attention(2, 64)] file partial struct A { }",
        "[Attention(2, 64)] partial struct @class { }",
        "[Attention(2, 64)] partial struct Ä { }",
        "namespace @event.@class { [Attention(2, 64)] partial struct @record { } partial class @var { [Attention(2, 64)] partial struct @int { } } }",
        "class G<T> { [Attention(2, 64)] partial struct A { } }",
        "partial class G<T> { partial class H<U> { [Attention(2, 64)] struct A<V> { } } }",
        "[Attention(2, 64)] partial struct A { [Attention(2, 64)] partial struct B { } }",
        "[Attention(2, 64)] partial struct A { public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o) { } }",
        "[Attention(2, 64)] partial struct A { A() { } int Run; }",
        "[AttentionGen.Attention(2, 64)] partial struct A { } namespace AttentionGen { class AttentionAttribute : System.Attribute { } }",
        "[Attention(2, 64)] partial struct A : AttentionGen.IAttentionKernel<A> { }",
        "[Attention(2, 64)] partial struct A : AttentionGen.IAttentionKernel<int> { }",
    }.Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedDeclarationsNeverThrow(string declaration)
    {
        string source = "using System;\nusing AttentionGen;\n" + declaration;
        // The analyzer sees the input compilation here (fast); the all-in-one test below runs it on the output.
        AssertNoCrash(DiagnosticsTestKit.GenerateAndAnalyze(DiagnosticsTestKit.Compile(GeneratorHarness.ParseOptions, source), analyzeOutput: false), source);
    }

    [Fact]
    public void MalformedDeclarationsAllInOneFileNeverThrow()
    {
        string source = "using System;\nusing AttentionGen;\n" + string.Join("\n", Malformed().Select(m => (string)m[0]));
        AssertNoCrash(DiagnosticsTestKit.GenerateAndAnalyze(DiagnosticsTestKit.Compile(GeneratorHarness.ParseOptions, source)), "all malformed declarations");
    }

    private const string Seed = """
        using System;
        using AttentionGen;
        namespace App
        {
            [Attention(seqLen: 4, dim: 8, heads: 2, Causal = true, Scale = -0.5f)]
            public partial struct Alpha { public int Value; }
            public static partial class Outer
            {
                [Attention(3, 6, 3)] internal readonly partial struct Beta { }
            }
        }
        """;

    private static readonly string[] Replacements =
    {
        "(", ")", "{", "}", "[", "]", ",", ";", ":", "=", "-", "/", "<", ">", ".", "\"", "0", "-1", "1", "3",
        "int.MaxValue", "int.MinValue", "1e39f", "float.NaN", "2147483647", "partial", "struct", "class", "record",
        "interface", "ref", "static", "Attention", "Attention(", "Scale", "Causal", "heads", "seqLen:", "true",
        "null", "default", "typeof(int)", "T", "where", "namespace", "Attend", "Dim", "Run", "#if", "//", "/*",
    };

    [Fact]
    public async System.Threading.Tasks.Task RandomTokenMutationsNeverThrow()
    {
        const int Variants = 250;
        var random = new Random(20261122);
        SyntaxToken[] tokens = SyntaxFactory.ParseTokens(Seed).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToArray();
        // One driver for all variants, so the incremental paths see them too. Step tracking is off here: with it on,
        // Roslyn 4.8's driver itself throws ("Unexpected value '(Cached, Added)'" in NodeStateTable.AsStepState)
        // when one driver is fed a series of unrelated compilations, which is not something the generator controls.
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new AttentionGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new AttentionAttributeAnalyzer());
        int generatedTotal = 0, withAgDiagnostics = 0;
        var stopwatch = Stopwatch.StartNew();
        for (int variant = 0; variant < Variants; variant++)
        {
            var pieces = tokens.Select(t => t.ToFullString()).ToList();
            int mutations = 1 + random.Next(3);
            var applied = new List<string>();
            for (int m = 0; m < mutations && pieces.Count > 1; m++)
            {
                int i = random.Next(pieces.Count);
                switch (random.Next(3))
                {
                    case 0:
                        applied.Add($"delete '{pieces[i].Trim()}'@{i}");
                        pieces.RemoveAt(i);
                        break;
                    case 1:
                        applied.Add($"duplicate '{pieces[i].Trim()}'@{i}");
                        pieces.Insert(i, pieces[i]);
                        break;
                    default:
                        string replacement = random.Next(2) == 0 ? Replacements[random.Next(Replacements.Length)] : pieces[random.Next(pieces.Count)].Trim();
                        applied.Add($"replace '{pieces[i].Trim()}'@{i} by '{replacement}'");
                        pieces[i] = " " + replacement + " ";
                        break;
                }
            }
            string source = string.Concat(pieces);
            string what = $"variant {variant} ({string.Join(", ", applied)}):\n{source}";

            CSharpCompilation compilation = DiagnosticsTestKit.Compile(GeneratorHarness.ParseOptions, source);
            driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out ImmutableArray<Diagnostic> generatorDiagnostics);
            GeneratorRunResult result = driver.GetRunResult().Results.Single();
            Assert.True(result.Exception is null, $"generator threw on {what}\n{result.Exception}");
            Assert.True(generatorDiagnostics.IsEmpty, $"generator reported diagnostics on {what}\n{DiagnosticsTestKit.Describe(generatorDiagnostics)}");
            generatedTotal += result.GeneratedSources.Length;

            var exceptions = new List<Exception>();
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, _, _) => exceptions.Add(exception), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
            // The analyzer runs on the input compilation: on the output it would also bind the generated kernels, which
            // costs ~0.2 s a variant and tests nothing more (the malformed cases above analyze generator output).
            ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
            Assert.True(exceptions.Count == 0, $"analyzer threw on {what}\n{string.Join("\n", exceptions)}");
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            if (diagnostics.Any(d => d.Id.StartsWith("AG", StringComparison.Ordinal))) withAgDiagnostics++;
        }
        _output.WriteLine($"{Variants} variants in {stopwatch.ElapsedMilliseconds} ms: {generatedTotal} kernels generated, {withAgDiagnostics} variants with AG diagnostics");
        // The loop must exercise both sides: variants that still generate, and variants the analyzer flags.
        Assert.True(generatedTotal > Variants / 4, $"only {generatedTotal} kernels generated over {Variants} variants: the mutations are too destructive to test the generator");
        Assert.True(withAgDiagnostics > Variants / 20, $"only {withAgDiagnostics} variants produced AG diagnostics");
    }

    private static void AssertNoCrash(DiagnosticsTestKit.Run run, string what)
    {
        Assert.True(run.Generator.Exception is null, $"generator threw on {what}\n{run.Generator.Exception}");
        Assert.True(run.AnalyzerExceptions.Count == 0, $"analyzer threw on {what}\n{string.Join("\n", run.AnalyzerExceptions)}");
        Assert.DoesNotContain(run.Analyzer, d => d.Id == "AD0001");
        // The generator reports nothing itself; a crash would add CS8785 ("generator failed") here.
        Assert.True(run.Generator.Diagnostics.IsEmpty, $"generator diagnostics on {what}:\n{DiagnosticsTestKit.Describe(run.Generator.Diagnostics)}");
    }
}
