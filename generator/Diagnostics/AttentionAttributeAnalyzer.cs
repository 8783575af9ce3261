using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace AttentionGen.Generator;

/// <summary>
/// Reports every misuse of <c>[Attention]</c>. The generator itself reports nothing: it silently skips a
/// declaration this analyzer flags, so diagnostics never disturb the generator's caching.
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
        DiagnosticDescriptors.NotConstant);

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
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, attributeType), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, INamedTypeSymbol attributeType)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType))
            {
                continue;
            }
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) as AttributeSyntax;
            Location attributeLocation = attributeSyntax?.GetLocation() ?? type.Locations.FirstOrDefault() ?? Location.None;

            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax declaration &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotPartial, declaration.Identifier.GetLocation(), type.Name));
                }
            }

            if (IsGenericOrInGeneric(type))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GenericNotSupported, type.Locations.FirstOrDefault() ?? attributeLocation, type.Name));
            }

            ShapeReader.RawShape? raw = ShapeReader.Read(attribute);
            if (raw is null || raw.SeqLen is null || raw.Dim is null || raw.Heads is null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NotConstant, attributeLocation, type.Name));
                continue;
            }
            foreach (ShapeProblem problem in ShapeReader.Validate(raw))
            {
                Location location = ArgumentLocation(attributeSyntax, problem.Argument) ?? attributeLocation;
                context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, location, problem.MessageArgs));
            }
        }
    }

    internal static bool IsGenericOrInGeneric(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                return true;
            }
        }
        return false;
    }

    // Finds the argument that sets a parameter or property: by name (seqLen: 1, Scale = 2) or by position.
    private static Location? ArgumentLocation(AttributeSyntax? syntax, string? argument)
    {
        if (syntax?.ArgumentList is null || argument is null)
        {
            return null;
        }
        var args = syntax.ArgumentList.Arguments;
        foreach (AttributeArgumentSyntax arg in args)
        {
            string? name = arg.NameColon?.Name.Identifier.ValueText ?? arg.NameEquals?.Name.Identifier.ValueText;
            if (name == argument)
            {
                return arg.GetLocation();
            }
        }
        int position = argument switch { "seqLen" => 0, "dim" => 1, "heads" => 2, _ => -1 };
        if (position >= 0 && position < args.Count && args[position].NameColon is null && args[position].NameEquals is null)
        {
            return args[position].GetLocation();
        }
        return null;
    }
}
