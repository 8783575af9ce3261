using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The analyzer's diagnostics catalogue: for every misuse, the exact ID, severity and span (marked in the source
/// as <c>{|AGxxxx:text|}</c>), that the generator then emits nothing for the declaration (so no compiler error
/// appears in generated code), and that valid declarations produce no diagnostic at all.
/// </summary>
public sealed class DiagnosticsTests
{
    private const string Usings = "using System;\nusing AttentionGen;\n";

    /// <summary>The severity each ID must have; written out here so a change to a descriptor fails a test.</summary>
    private static readonly Dictionary<string, DiagnosticSeverity> Severities = new()
    {
        ["AG0001"] = DiagnosticSeverity.Error,
        ["AG0002"] = DiagnosticSeverity.Error,
        ["AG0003"] = DiagnosticSeverity.Error,
        ["AG0004"] = DiagnosticSeverity.Error,
        ["AG0005"] = DiagnosticSeverity.Error,
        ["AG0006"] = DiagnosticSeverity.Error,
        ["AG0007"] = DiagnosticSeverity.Error,
        ["AG0008"] = DiagnosticSeverity.Error,
        ["AG0009"] = DiagnosticSeverity.Error,
        ["AG0010"] = DiagnosticSeverity.Error,
        ["AG0011"] = DiagnosticSeverity.Error,
        ["AG0012"] = DiagnosticSeverity.Error,
        ["AG0013"] = DiagnosticSeverity.Warning,
        ["AG0014"] = DiagnosticSeverity.Error,
        ["AG0015"] = DiagnosticSeverity.Error,
        ["AG0016"] = DiagnosticSeverity.Error,
        ["AG0017"] = DiagnosticSeverity.Error,
        ["AG0018"] = DiagnosticSeverity.Warning,
    };

    private static DiagnosticsTestKit.Run Verify(string markup, LanguageVersion language = LanguageVersion.CSharp12, params string[] messageFragments)
    {
        var (source, expected) = DiagnosticsTestKit.ParseMarkup(Usings + markup);
        DiagnosticsTestKit.Run run = DiagnosticsTestKit.GenerateAndAnalyze(
            DiagnosticsTestKit.Compile(new CSharpParseOptions(language), source));
        return Check(run, expected, messageFragments);
    }

    private static DiagnosticsTestKit.Run Check(DiagnosticsTestKit.Run run, List<ExpectedDiagnostic> expected, string[] messageFragments)
    {
        Assert.True(run.Generator.Exception is null, "generator threw: " + run.Generator.Exception);
        Assert.True(run.AnalyzerExceptions.Count == 0, "analyzer threw: " + string.Join("\n", run.AnalyzerExceptions));
        var actual = run.Analyzer
            .Where(d => d.Id.StartsWith("AG", StringComparison.Ordinal))
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        string report = $"expected:\n{string.Join("\n", expected.Select(e => $"  {e.Id} {e.Span} '{e.Text}'"))}\nactual:\n{DiagnosticsTestKit.Describe(actual)}";
        Assert.True(expected.Count == actual.Count, "wrong number of AG diagnostics\n" + report);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Id == actual[i].Id && expected[i].Span == actual[i].Location.SourceSpan, $"diagnostic {i} differs\n" + report);
            Assert.True(Severities[actual[i].Id] == actual[i].Severity, $"{actual[i].Id} has severity {actual[i].Severity}, expected {Severities[actual[i].Id]}");
            Assert.False(string.IsNullOrEmpty(actual[i].Descriptor.HelpLinkUri), $"{actual[i].Id} has no help link");
        }
        string messages = string.Join("\n", actual.Select(d => d.GetMessage(CultureInfo.InvariantCulture)));
        foreach (string fragment in messageFragments)
        {
            Assert.True(messages.Contains(fragment, StringComparison.Ordinal), $"no message contains \"{fragment}\":\n{messages}");
        }
        // The user must see our diagnostic only: nothing generated fails to compile.
        Assert.True(run.GeneratedCodeDiagnostics.Count == 0, "generated code has diagnostics:\n" + DiagnosticsTestKit.Describe(run.GeneratedCodeDiagnostics.Take(10)));
        if (expected.Any(e => Severities[e.Id] == DiagnosticSeverity.Error))
        {
            Assert.True(run.Generator.GeneratedSources.IsEmpty,
                "a declaration with an error must not be generated, but got " + string.Join(", ", run.Generator.GeneratedSources.Select(s => s.HintName)));
        }
        return run;
    }

    // ------------------------------------------------------------------ valid declarations

    [Fact]
    public void ValidDeclarationsProduceNoDiagnosticAndCompileCleanly()
    {
        DiagnosticsTestKit.Run run = Verify("""
            namespace App
            {
                [Attention(seqLen: 128, dim: 768, heads: 12)] public partial struct EncoderAttention { }
                [Attention(6, 64, 1, Scale = 1f)] public partial struct SentenceAttention { }
                [Attention(64, 256, 8, Causal = true)] public partial struct DecoderAttention { }
                [Attention(dim: 60, seqLen: 37, heads: 3, Scale = -0.5f, Causal = false)] internal readonly partial struct NamedOutOfOrder { }
                [Attention(1, 1)] partial struct Smallest { }
                public static partial class Outer
                {
                    internal partial class Middle
                    {
                        [Attention(16, 32, 2)] public partial struct Nested { }
                    }
                }
                // Overloads with other parameters and unrelated members are fine.
                [Attention(4, 8)] public partial struct WithMembers
                {
                    public static void Attend(float[] q) { }
                    public static void SelfAttend(ReadOnlySpan<float> x, Span<float> output, long repeat) { }
                    public const int Depth = 3;
                    public int Value;
                }
            }
            [Attention(3, 9, 3)] partial struct GlobalNamespace { }
            """);
        Assert.Equal(8, run.Generator.GeneratedSources.Length);
        var errors = run.Compiler.Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS0649").ToList();
        Assert.True(errors.Count == 0, "the output compilation has diagnostics:\n" + DiagnosticsTestKit.Describe(errors.Take(10)));
    }

    [Fact]
    public void KeywordNamesAreEscapedInGeneratedCode()
    {
        // The generated code must compile for names that are keywords (escaped with '@' in source).
        DiagnosticsTestKit.Run run = Verify("""
            namespace @event.@class
            {
                [Attention(2, 8)] partial struct @struct { }
                partial class @var
                {
                    [Attention(2, 8)] partial struct @record { }
                }
            }
            """);
        Assert.Equal(new[] { "event.class.struct.g.cs", "event.class.var.record.g.cs" }, run.Generator.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Empty(run.GeneratedCodeDiagnostics);
        Assert.DoesNotContain(run.Compiler, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void ShapesAtTheLimitsAreAccepted()
    {
        // Analyzer and generator only: compiling these large kernels is the performance test's business.
        const string source = """
            using AttentionGen;
            [Attention(16384, 1024, 1)] partial struct LargestSeqAndHeadDim { }
            [Attention(2, 16384, 1024)] partial struct LargestDimAndHeads { }
            [Attention(16384, 16384, 16)] partial struct LargestEverything { }
            """;
        Assert.Empty(GeneratorHarness.Analyze(source));
        var (_, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        Assert.Null(result.Exception);
        Assert.Empty(diagnostics);
        Assert.Equal(3, result.GeneratedSources.Length);
    }

    [Fact]
    public void CSharp11IsEnough()
    {
        DiagnosticsTestKit.Run run = Verify("[Attention(4, 8)] partial struct K { }", LanguageVersion.CSharp11);
        Assert.Single(run.Generator.GeneratedSources);
    }

    // ------------------------------------------------------------------ declaration problems

    [Fact]
    public void AG0001_StructNotPartial() =>
        Verify("[Attention(2, 64)] public struct {|AG0001:Plain|} { }", messageFragments: new[] { "'Plain'", "add the 'partial' modifier" });

    [Fact]
    public void DuplicateAttributesAreReportedOnceByUsAndOnceByTheCompiler()
    {
        DiagnosticsTestKit.Run run = Verify("[Attention(2, 64)][Attention(4, 64)] struct {|AG0001:K|} { }");
        Assert.Single(run.Compiler, d => d.Id == "CS0579");
    }

    [Fact]
    public void AG0008_ContainingTypesNotPartial() =>
        Verify("""
            public class {|AG0008:Outer|}
            {
                public partial class Middle
                {
                    internal struct {|AG0008:Inner|}
                    {
                        [Attention(2, 64)] public partial struct Kernel { }
                    }
                }
            }
            """, messageFragments: new[] { "'Outer' contains the [Attention] struct 'Kernel'", "add the 'partial' modifier to 'Inner'" });

    [Fact]
    public void AG0001_And_AG0008_Together() =>
        Verify("static class {|AG0008:Holder|} { [Attention(2, 64)] struct {|AG0001:Kernel|} { } }");

    [Theory]
    [InlineData("public partial class {|AG0009:K|} { }", "is a class")]
    [InlineData("public partial record {|AG0009:K|};", "is a record class")]
    [InlineData("public partial record class {|AG0009:K|}(int X);", "is a record class")]
    [InlineData("public partial interface {|AG0009:K|} { }", "is an interface")]
    [InlineData("public partial record struct {|AG0009:K|};", "is a record struct")]
    [InlineData("public ref partial struct {|AG0009:K|} { }", "is a ref struct")]
    [InlineData("public class {|AG0009:K|} { }", "declare it as 'partial struct K'")]
    [InlineData("file partial struct {|AG0009:K|} { }", "is a file-local struct")]
    public void AG0009_NotAPlainStruct(string declaration, string fragment)
    {
        DiagnosticsTestKit.Run run = Verify("[Attention(2, 64)] " + declaration, messageFragments: fragment);
        // AttributeUsage accepts classes and interfaces so that AG0009, not CS0592, explains the problem.
        Assert.DoesNotContain(run.Compiler, d => d.Id == "CS0592");
    }

    [Fact]
    public void AG0009_NestedInAFileLocalType() =>
        Verify("file partial class F { [Attention(2, 64)] partial struct {|AG0009:K|} { } }", messageFragments: "nested in the file-local type 'F'");

    [Fact]
    public void EnumsAndDelegatesAreLeftToTheCompiler()
    {
        // AttributeUsage does not include them: the compiler reports CS0592 and the analyzer adds nothing.
        DiagnosticsTestKit.Run run = Verify("[Attention(2, 64)] enum E { A }\n[Attention(2, 64)] delegate void D();");
        Assert.Equal(2, run.Compiler.Count(d => d.Id == "CS0592"));
    }

    [Fact]
    public void AG0006_GenericOrNestedInGeneric() =>
        Verify("""
            [Attention(2, 64)] partial struct {|AG0006:Generic|}<T> { }
            partial class Outer<T>
            {
                partial class Middle
                {
                    [Attention(2, 64)] partial struct {|AG0006:Nested|} { }
                }
            }
            """, messageFragments: new[] { "('Generic<T>')", "('Outer<T>')" });

    [Fact]
    public void AG0010_MembersCollideWithGeneratedOnes()
    {
        DiagnosticsTestKit.Run run = Verify("""
            [Attention(2, 64)]
            partial struct K
            {
                public const int {|AG0010:SeqLen|} = 2;
                public static int {|AG0010:Dim|};
                public int {|AG0010:Heads|} => 1;
                public static int {|AG0010:HeadDim|}() => 64;
                public event Action? {|AG0010:Causal|};
                public static float {|AG0010:Scale|} { get; } = 1f;
                public static void {|AG0010:Attend|}(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o) { }
                public static void {|AG0010:SelfAttend|}(in ReadOnlySpan<float> x, in Span<float> o) { }
                private static void {|AG0010:Run|}(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> o) { }
                private static class {|AG0010:Vector512Path|} { }
                private struct {|AG0010:Vector256Path|} { }
            }
            """, messageFragments: new[] { "declares a constant named 'SeqLen'", "declares a method named 'Attend'", "the nested class of the Vector512 path" });
        Assert.DoesNotContain(run.Compiler, d => d.Id is "CS0102" or "CS0111");
    }

    [Fact]
    public void AG0010_CollisionInAnotherPartialDeclaration() =>
        Verify("""
            [Attention(2, 64)] partial struct K { }
            partial struct K { public int {|AG0010:Run|}; }
            """, messageFragments: "declares a field named 'Run'");

    [Theory]
    [InlineData("SeqLen")]
    [InlineData("Attend")]
    [InlineData("Vector256Path")]
    public void AG0010_StructNamedLikeAGeneratedMember(string name) =>
        Verify($"[Attention(2, 64)] partial struct {{|AG0010:{name}|}} {{ }}", messageFragments: $"is itself named '{name}'");

    // ------------------------------------------------------------------ attribute arguments

    [Fact]
    public void AG0002_NonPositiveSizes() =>
        Verify("""
            [Attention({|AG0002:0|}, 64)] partial struct A { }
            [Attention(2, {|AG0002:-64|}, 2)] partial struct B { }
            [Attention(2, 64, {|AG0002:heads: 0|})] partial struct C { }
            [Attention({|AG0002:int.MinValue|}, {|AG0002:0|}, {|AG0002:-1|})] partial struct D { }
            """, messageFragments: new[] { "'seqLen' is 0; it must be at least 1", "'dim' is -64", "'heads' is 0", "'seqLen' is -2147483648" });

    [Fact]
    public void AG0003_HeadsDoNotDivideDim() =>
        Verify("[Attention(2, 64, {|AG0003:3|})] partial struct A { }", messageFragments: "dim (64) is not divisible by heads (3)");

    [Fact]
    public void AG0004_SizesOverTheLimits() =>
        Verify("""
            [Attention({|AG0004:int.MaxValue|}, 64)] partial struct SeqLenMax { }
            [Attention({|AG0004:16385|}, 64)] partial struct SeqLenOverByOne { }
            [Attention(2, {|AG0004:2048|})] partial struct HeadDimTooLarge { }
            [Attention(2, 2048, {|AG0004:2048|})] partial struct TooManyHeads { }
            [Attention({|AG0004:65536|}, {|AG0004:65536|}, 64)] partial struct ProductOverflowsInt { }
            """, messageFragments: new[] { "The seqLen 2147483647 exceeds the largest supported value 16384", "The head dimension 2048 exceeds the largest supported value 1024", "The heads 2048 exceeds", "The dim 65536 exceeds the largest supported value 16384" });

    [Fact]
    public void AG0005_InfiniteScale() =>
        Verify("""
            [Attention(2, 64, {|AG0005:Scale = float.PositiveInfinity|})] partial struct A { }
            [Attention(2, 64, {|AG0005:Scale = -1f / 0f|})] partial struct B { }
            """, messageFragments: new[] { "Scale is +∞", "Scale is −∞", "omitted for the default 1/√HeadDim" });

    [Fact]
    public void NaNScaleMeansTheDefault()
    {
        DiagnosticsTestKit.Run run = Verify("[Attention(2, 64, Scale = float.NaN)] partial struct A { }");
        Assert.Contains("public const float Scale = 0.125f;", run.Generator.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AG0007_ArgumentsThatAreNotConstants() =>
        Verify("""
            static class Config { public static int N = 2; public static bool B; }
            [Attention({|AG0007:Config.N|}, 64)] partial struct A { }
            [Attention(2, 64, {|AG0007:Causal = Config.B|})] partial struct B { }
            [{|AG0007:Attention("two", 64)|}] partial struct C { }
            [{|AG0007:Attention(2)|}] partial struct D { }
            """, messageFragments: new[] { "seqLen is 'Config.N', which is not a compile-time constant int", "Causal is 'Config.B', which is not a compile-time constant bool", "match no constructor" });

    [Fact]
    public void AG0013_ZeroScale() =>
        Verify("""
            [Attention(2, 64, {|AG0013:Scale = 1 / 8|})] partial struct IntegerDivision { }
            [Attention(2, 64, {|AG0013:Scale = 0f|})] partial struct Zero { }
            """, messageFragments: new[] { "'1 / 8' is an integer division, which is 0; write 1f / 8", "omit Scale for the default" });

    [Fact]
    public void AG0013_IsAWarningSoTheKernelIsStillGenerated()
    {
        DiagnosticsTestKit.Run run = Verify("[Attention(2, 64, {|AG0013:Scale = 0f|})] partial struct Zero { }");
        Assert.Single(run.Generator.GeneratedSources);
    }

    [Fact]
    public void AG0002_KeyLenNotPositive() =>
        Verify("""
            [Attention(2, 64, {|AG0002:KeyLen = 0|})] partial struct Zero { }
            [Attention(2, 64, {|AG0002:KeyLen = -3|})] partial struct Negative { }
            """, messageFragments: new[] { "'KeyLen' is 0; it must be at least 1" });

    [Fact]
    public void AG0004_KeyLenTooLarge() =>
        Verify("[Attention(2, 64, {|AG0004:KeyLen = 20000|})] partial struct Huge { }", messageFragments: new[] { "KeyLen 20000 exceeds" });

    [Fact]
    public void AG0014_NegativeWindow() =>
        Verify("[Attention(16, 64, {|AG0014:Window = -1|})] partial struct A { }", messageFragments: new[] { "Window is -1; it must be at least 0" });

    [Fact]
    public void AG0015_KvHeadsMustDivideHeads() =>
        Verify("""
            [Attention(16, 768, 12, {|AG0015:KvHeads = 5|})] partial struct A { }
            [Attention(16, 768, 12, {|AG0015:KvHeads = 0|})] partial struct B { }
            """, messageFragments: new[] { "KvHeads is 5; it must be at least 1 and divide heads (12)" });

    [Fact]
    public void AG0016_InvalidSoftcap() =>
        Verify("""
            [Attention(16, 64, {|AG0016:Softcap = -50f|})] partial struct A { }
            [Attention(16, 64, {|AG0016:Softcap = float.NaN|})] partial struct B { }
            [Attention(16, 64, {|AG0016:Softcap = float.PositiveInfinity|})] partial struct C { }
            """, messageFragments: new[] { "Softcap is -50; it must be a positive finite number", "Softcap is NaN", "Softcap is +∞" });

    [Fact]
    public void AG0017_UndefinedAlignment() =>
        Verify("[Attention(1, 64, KeyLen = 9, Causal = true, {|AG0017:CausalAlignment = (CausalAlignment)2|})] partial struct A { }",
            messageFragments: new[] { "CausalAlignment is 2, which is not a defined value" });

    [Fact]
    public void AG0018_OptionsWithoutEffectAreWarningsAndTheKernelIsStillGenerated()
    {
        DiagnosticsTestKit.Run run = Verify("""
            [Attention(8, 64, Causal = true, {|AG0018:CausalAlignment = CausalAlignment.BottomRight|})] partial struct SameLength { }
            [Attention(8, 64, KeyLen = 9, {|AG0018:CausalAlignment = CausalAlignment.BottomRight|})] partial struct NoBand { }
            [Attention(8, 64, KeyLen = 9, {|AG0018:Window = 17|})] partial struct WideWindow { }
            [Attention(8, 64, KeyLen = 9, Window = 16)] partial struct Fine { }
            """, messageFragments: new[] { "CausalAlignment = BottomRight has no effect: KeyLen equals SeqLen (8)", "neither Causal nor windowed", "Window = 17 has no effect" });
        Assert.Equal(4, run.Generator.GeneratedSources.Length);
    }

    [Fact]
    public void AG0007_NewOptionsMustBeConstants() =>
        Verify("""
            [Attention(8, 64, {|AG0007:Window = W|})] partial struct A { static int W = 3; }
            """, messageFragments: new[] { "Window is 'W', which is not a compile-time constant int" });

    // ------------------------------------------------------------------ the consumer's compilation

    [Theory]
    [InlineData(LanguageVersion.CSharp10, "C# 10.0")]
    [InlineData(LanguageVersion.CSharp7_3, "C# 7.3")]
    public void AG0011_LanguageVersionTooOld(LanguageVersion language, string fragment) =>
        Verify("""
            [{|AG0011:Attention(2, 64)|}] partial struct A { }
            [{|AG0011:Attention(4, 64, 2)|}] partial struct B { }
            """, language, fragment, "needs C# 11 or newer");

    [Fact]
    public void AG0012_TargetFrameworkWithoutVector512()
    {
        // A framework like .NET 7: Vector256 exists, Vector512 does not.
        var (source, expected) = DiagnosticsTestKit.ParseMarkup("""
            using AttentionGen;
            [{|AG0012:Attention(2, 64)|}] partial struct A { }
            """);
        DiagnosticsTestKit.Run run = DiagnosticsTestKit.GenerateAndAnalyze(MiniFramework.Compile(source, withVector512: false));
        Check(run, expected, new[] { "needs System.Runtime.Intrinsics.Vector512 (.NET 8 or newer)", "target net8.0 or newer" });
    }

    [Fact]
    public void AG0012_IsNotReportedWhenVector512Exists()
    {
        // Control for the test above: the same minimal framework plus Vector512.
        DiagnosticsTestKit.Run run = DiagnosticsTestKit.GenerateAndAnalyze(
            MiniFramework.Compile("using AttentionGen;\n[Attention(2, 64)] partial struct A { }", withVector512: true));
        Assert.DoesNotContain(run.Analyzer, d => d.Id.StartsWith("AG", StringComparison.Ordinal));
        Assert.Single(run.Generator.GeneratedSources);
    }

    // ------------------------------------------------------------------ catalogue hygiene

    public static IEnumerable<object[]> Descriptors() =>
        new AttentionAttributeAnalyzer().SupportedDiagnostics.Select(d => new object[] { d.Id });

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void EveryDiagnosticHasADocPageAReleaseEntryAndAFixInItsMessage(string id)
    {
        DiagnosticDescriptor descriptor = new AttentionAttributeAnalyzer().SupportedDiagnostics.Single(d => d.Id == id);
        string root = RepositoryRoot();
        Assert.Equal($"https://github.com/attentiongen/attentiongen/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        string page = Path.Combine(root, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{id}: missing documentation page {page}");
        Assert.StartsWith($"# {id}:", File.ReadAllText(page), StringComparison.Ordinal);
        Assert.Equal(Severities[id], descriptor.DefaultSeverity);
        Assert.StartsWith("AttentionGen.", descriptor.Category, StringComparison.Ordinal);

        string releases = File.ReadAllText(Path.Combine(root, "generator", "AnalyzerReleases.Shipped.md")) +
                          File.ReadAllText(Path.Combine(root, "generator", "AnalyzerReleases.Unshipped.md"));
        string row = $"{id} | {descriptor.Category} | {descriptor.DefaultSeverity} |";
        Assert.True(releases.Contains(row, StringComparison.Ordinal), $"{id}: no release-tracking row \"{row}\"");
        Assert.True(File.ReadAllText(Path.Combine(root, "README.md")).Contains($"| [{id}](docs/diagnostics/{id}.md) |", StringComparison.Ordinal), $"{id}: not in the README's Diagnostics table");
        Assert.True(File.ReadAllText(Path.Combine(root, "docs", "diagnostics", "README.md")).Contains($"| [{id}]({id}.md) |", StringComparison.Ordinal), $"{id}: not in docs/diagnostics/README.md");
    }

    [Fact]
    public void IdsAreConsecutiveAndUnique()
    {
        string[] ids = new AttentionAttributeAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToArray();
        Assert.Equal(Enumerable.Range(1, ids.Length).Select(i => $"AG{i:D4}"), ids.OrderBy(i => i, StringComparer.Ordinal));
    }

    internal static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}

/// <summary>
/// A minimal framework compiled in memory, standing in for one older than .NET 8 (no <c>Vector512</c>), with
/// the <c>[Attention]</c> attribute declared in source as the runtime declares it.
/// </summary>
internal static class MiniFramework
{
    private const string Corlib = """
        namespace System
        {
            public class Object { }
            public abstract class ValueType { }
            public abstract class Enum : ValueType { }
            public struct Void { }
            public struct Boolean { }
            public struct Int32 { }
            public struct Single { }
            public struct IntPtr { }
            public sealed class String { }
            public abstract class Attribute { }
            public abstract class Delegate { }
            public abstract class MulticastDelegate : Delegate { }
            public class Type { }
            public struct RuntimeTypeHandle { }
            public struct RuntimeFieldHandle { }
            public struct RuntimeMethodHandle { }
            public interface IDisposable { void Dispose(); }
            public abstract class Array { }
            public class Exception { }
            public enum AttributeTargets { Class = 4, Struct = 8, Enum = 16, Interface = 1024, Delegate = 4096 }
            public sealed class AttributeUsageAttribute : Attribute
            {
                public AttributeUsageAttribute(AttributeTargets validOn) { }
                public bool AllowMultiple { get; set; }
                public bool Inherited { get; set; }
            }
        }
        namespace System.Runtime.Intrinsics
        {
            public readonly struct Vector256<T> { }
            public static class Vector256 { }
            VECTOR512
        }
        namespace AttentionGen
        {
            [System.AttributeUsage(System.AttributeTargets.Struct | System.AttributeTargets.Class | System.AttributeTargets.Interface)]
            public sealed class AttentionAttribute : System.Attribute
            {
                public AttentionAttribute(int seqLen, int dim, int heads = 1) { }
                public bool Causal { get; set; }
                public float Scale { get; set; }
            }
        }
        """;

    public static CSharpCompilation Compile(string source, bool withVector512)
    {
        string corlib = Corlib.Replace("VECTOR512", withVector512 ? "public readonly struct Vector512<T> { } public static class Vector512 { }" : "", StringComparison.Ordinal);
        CSharpCompilation framework = CSharpCompilation.Create(
            "MiniCorlib",
            new[] { CSharpSyntaxTree.ParseText(corlib, GeneratorHarness.ParseOptions) },
            Array.Empty<MetadataReference>(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var problems = framework.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(problems.Count == 0, "the minimal framework does not compile:\n" + string.Join("\n", problems));
        return CSharpCompilation.Create(
            "Consumer",
            new[] { CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "Test0.cs") },
            new[] { framework.ToMetadataReference() },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }
}
