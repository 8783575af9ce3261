using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttentionGen.Generator;

/// <summary>
/// Reports every misuse of <c>[Attention]</c>. The generator itself reports nothing: it silently skips a
/// declaration this analyzer flags with an error, so diagnostics never disturb the generator's caching.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AttentionAttributeAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.NonPositiveSize,
        DiagnosticDescriptors.HeadsDoNotDivideDim,
        DiagnosticDescriptors.ShapeTooLarge,
        DiagnosticDescriptors.InvalidScale,
        DiagnosticDescriptors.GenericNotSupported,
        DiagnosticDescriptors.NotConstant,
        DiagnosticDescriptors.ContainingTypeNotPartial,
        DiagnosticDescriptors.NotAPlainStruct,
        DiagnosticDescriptors.MemberNameCollision,
        DiagnosticDescriptors.LanguageVersionTooOld,
        DiagnosticDescriptors.TargetFrameworkTooOld,
        DiagnosticDescriptors.ZeroScale,
        DiagnosticDescriptors.InvalidWindow,
        DiagnosticDescriptors.InvalidKvHeads,
        DiagnosticDescriptors.InvalidSoftcap,
        DiagnosticDescriptors.InvalidAlignment,
        DiagnosticDescriptors.OptionWithoutEffect);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? attributeType = start.Compilation.GetTypeByMetadataName(ShapeReader.AttributeMetadataName);
            if (attributeType is null)
            {
                return;
            }
            CompilationSupport support = CompilationSupport.Read(start.Compilation);
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, attributeType, support), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol attributeType, CompilationSupport support)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                continue;
            }
            foreach (DeclarationProblem problem in KernelDeclaration.Check(type, attribute, context.CancellationToken))
            {
                context.ReportDiagnostic(problem.ToDiagnostic());
            }

            Location attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax syntax
                ? syntax.GetLocation()
                : Location.None;
            if (!support.LanguageVersionSupported)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LanguageVersionTooOld, attributeLocation,
                    type.Name, support.LanguageVersionText));
            }
            if (!support.HasVector512)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TargetFrameworkTooOld, attributeLocation, type.Name));
            }
            // A second [Attention] is the compiler's CS0579; checking it too would repeat every declaration diagnostic.
            return;
        }
    }
}

/// <summary>What the consuming compilation supports, for AG0011 and AG0012 (the generator reads the same facts).</summary>
internal readonly struct CompilationSupport
{
    private CompilationSupport(LanguageVersion languageVersion, bool hasVector512)
    {
        LanguageVersion = languageVersion;
        HasVector512 = hasVector512;
    }

    /// <summary>The oldest C# the generated code compiles with: it implements static abstract interface members.</summary>
    public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp11;

    public LanguageVersion LanguageVersion { get; }

    public bool HasVector512 { get; }

    public bool LanguageVersionSupported => LanguageVersion >= MinimumLanguageVersion;

    /// <summary>The version as the user writes it in &lt;LangVersion&gt;, e.g. "10.0".</summary>
    public string LanguageVersionText => LanguageVersion.ToDisplayString();

    public static CompilationSupport Read(Compilation compilation) => new(
        (compilation is CSharpCompilation csharp ? csharp.LanguageVersion : LanguageVersion.Default).MapSpecifiedToEffectiveVersion(),
        compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector512") is not null);

    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "C# {0}, Vector512 {1}", LanguageVersionText, HasVector512);
}
