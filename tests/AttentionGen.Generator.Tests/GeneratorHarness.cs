using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using AttentionGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttentionGen.Generator.Tests;

/// <summary>Runs the generator and the analyzer over source text, and compiles and loads the result in memory.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string tpa = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var refs = tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        refs.Add(MetadataReference.CreateFromFile(typeof(AttentionAttribute).Assembly.Location));
        return refs.ToImmutableArray();
    });

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.CSharp12);

    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Kernels_" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s, ParseOptions)),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new AttentionGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the output compilation and the generator's run result.</summary>
    public static (Compilation Output, GeneratorRunResult Result, ImmutableArray<Diagnostic> GeneratorDiagnostics) Run(CSharpCompilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);
        return (output, driver.GetRunResult().Results.Single(), diagnostics);
    }

    /// <summary>Analyzer diagnostics (AGxxxx) for the given source.</summary>
    public static ImmutableArray<Diagnostic> Analyze(params string[] sources)
    {
        CSharpCompilation compilation = CreateCompilation(sources);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new AttentionAttributeAnalyzer()));
        return withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    /// <summary>Generates, compiles (failing on any warning or error) and loads the kernels in a collectible context.</summary>
    public static LoadedKernels CompileAndLoad(params string[] sources)
    {
        var (output, _, genDiagnostics) = Run(CreateCompilation(sources));
        Assert(genDiagnostics.IsEmpty, "generator diagnostics: " + string.Join("\n", genDiagnostics));
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        var problems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert(emit.Success && problems.Count == 0, "compilation of generated code failed:\n" + string.Join("\n", problems.Take(20)));
        stream.Position = 0;
        var context = new AssemblyLoadContext("kernels", isCollectible: true);
        Assembly assembly = context.LoadFromStream(stream);
        return new LoadedKernels(context, assembly);
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition) throw new Xunit.Sdk.XunitException(message);
    }
}

/// <summary>Kernels compiled in memory; call them through <see cref="IAttentionKernel{TSelf}"/>.</summary>
public sealed class LoadedKernels : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly Assembly _assembly;

    public LoadedKernels(AssemblyLoadContext context, Assembly assembly)
    {
        _context = context;
        _assembly = assembly;
    }

    /// <summary>The compiled kernels' assembly (for members outside <see cref="IAttentionKernel{TSelf}"/>).</summary>
    public Assembly Assembly => _assembly;

    public delegate void AttendFn(float[] q, float[] k, float[] v, float[] output);

    public AttendFn Attend(string typeName)
    {
        Type type = _assembly.GetType(typeName, throwOnError: true)!;
        MethodInfo generic = typeof(LoadedKernels).GetMethod(nameof(CallAttend), BindingFlags.NonPublic | BindingFlags.Static)!;
        return generic.MakeGenericMethod(type).CreateDelegate<AttendFn>();
    }

    /// <summary>A public static method of a type in the loaded assembly, as a delegate.</summary>
    public TDelegate Call<TDelegate>(string typeName, string method) where TDelegate : Delegate =>
        _assembly.GetType(typeName, throwOnError: true)!.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<TDelegate>();

    private static void CallAttend<T>(float[] q, float[] k, float[] v, float[] output) where T : IAttentionKernel<T> =>
        T.Attend(q, k, v, output);

    public void Dispose() => _context.Unload();
}
