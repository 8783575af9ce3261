using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace AttentionGen.Generator.Tests;

/// <summary>An expected diagnostic: its ID and the span it must cover in the markup-free source.</summary>
internal readonly record struct ExpectedDiagnostic(string Id, TextSpan Span, string Text);

/// <summary>
/// Helpers for the analyzer and robustness tests: markup with expected spans (<c>{|AG0002:0|}</c> marks the text
/// <c>0</c> as the span of an AG0002), runs of the generator followed by the analyzer on the output compilation
/// (the order the compiler uses), and capture of analyzer and generator exceptions.
/// </summary>
internal static class DiagnosticsTestKit
{
    /// <summary>Removes the markup; returns the plain source and the marked diagnostics in source order.</summary>
    public static (string Source, List<ExpectedDiagnostic> Expected) ParseMarkup(string markup)
    {
        var source = new StringBuilder();
        var expected = new List<ExpectedDiagnostic>();
        var open = new Stack<(string Id, int Start)>();
        int i = 0;
        while (i < markup.Length)
        {
            if (string.CompareOrdinal(markup, i, "{|", 0, 2) == 0)
            {
                int colon = markup.IndexOf(':', i);
                open.Push((markup.Substring(i + 2, colon - i - 2), source.Length));
                i = colon + 1;
            }
            else if (string.CompareOrdinal(markup, i, "|}", 0, 2) == 0 && open.Count > 0)
            {
                var (id, start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, source.Length), source.ToString(start, source.Length - start)));
                i += 2;
            }
            else
            {
                source.Append(markup[i]);
                i++;
            }
        }
        if (open.Count > 0) throw new ArgumentException("unclosed {| in test markup: " + markup);
        return (source.ToString(), expected.OrderBy(e => e.Span.Start).ThenBy(e => e.Id, StringComparer.Ordinal).ToList());
    }

    public static CSharpCompilation Compile(CSharpParseOptions options, params string[] sources) =>
        GeneratorHarness.CreateCompilation()
            .AddSyntaxTrees(sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, options, path: $"Test{i}.cs")));

    /// <summary>The result of running the generator, then the compiler and the analyzer over the generator's output compilation.</summary>
    public sealed record Run(
        Compilation Output,
        GeneratorRunResult Generator,
        ImmutableArray<Diagnostic> Analyzer,
        ImmutableArray<Diagnostic> Compiler,
        IReadOnlyList<Exception> AnalyzerExceptions)
    {
        /// <summary>Compiler diagnostics (warnings and errors) located in generated files: must stay empty.</summary>
        public IReadOnlyList<Diagnostic> GeneratedCodeDiagnostics =>
            Compiler
                .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && Generator.GeneratedSources.Any(g => g.SyntaxTree == tree))
                .ToList();
    }

    public static Run GenerateAndAnalyze(CSharpCompilation compilation, bool analyzeOutput = true)
    {
        var parseOptions = (CSharpParseOptions)(compilation.SyntaxTrees.FirstOrDefault()?.Options ?? GeneratorHarness.ParseOptions);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new AttentionGenerator().AsSourceGenerator() },
            parseOptions: parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        // One pass for compiler and analyzer diagnostics: binding the generated kernels is the expensive part.
        // analyzeOutput: false analyzes the input compilation instead (no generated kernels to bind: much faster).
        ImmutableArray<Diagnostic> all = (analyzeOutput ? output : compilation)
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new AttentionAttributeAnalyzer()), options)
            .GetAllDiagnosticsAsync().GetAwaiter().GetResult();
        bool fromAnalyzer(Diagnostic d) => d.Id.StartsWith("AG", StringComparison.Ordinal) || d.Id.StartsWith("AD", StringComparison.Ordinal);
        return new Run(output, result, all.Where(fromAnalyzer).ToImmutableArray(), all.Where(d => !fromAnalyzer(d)).ToImmutableArray(), exceptions);
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => $"  {d.Id} {d.Severity} {d.Location.SourceSpan} '{Text(d)}': {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"));

    private static string Text(Diagnostic d) =>
        d.Location.SourceTree is { } tree ? tree.GetText().ToString(d.Location.SourceSpan) : "";
}
