using System.Collections.Generic;
using System.Linq;
using System.Threading;
using AttentionGen.Generator.Emit;
using AttentionGen.Generator.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttentionGen.Generator;

/// <summary>
/// Emits a shape-specialised attention kernel for every <c>partial struct</c> marked with
/// <c>[AttentionGen.Attention]</c>. Declarations the analyzer flags are skipped silently.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class AttentionGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<KernelSpec> kernels = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ShapeReader.AttributeMetadataName,
                predicate: static (node, _) => node is StructDeclarationSyntax,
                transform: static (ctx, token) => Extract(ctx, token))
            .WithTrackingName(TrackingNames.Kernels)
            .Where(static spec => spec is not null)!
            .Select(static (spec, _) => spec!)
            .WithTrackingName(TrackingNames.ValidKernels);

        IncrementalValueProvider<CompilationFacts> facts = context.CompilationProvider
            .Select(static (compilation, _) => ReadFacts(compilation))
            .WithTrackingName(TrackingNames.Facts);

        IncrementalValuesProvider<(KernelSpec Spec, CompilationFacts Facts)> combined = kernels
            .Combine(facts)
            .WithTrackingName(TrackingNames.KernelsWithFacts)
            .Where(static item => item.Right.CanCompileKernels)
            .WithTrackingName(TrackingNames.CompilableKernels);

        context.RegisterSourceOutput(combined, static (spc, item) =>
            spc.AddSource(item.Spec.HintName, KernelEmitter.Emit(item.Spec, item.Facts)));
    }

    private static CompilationFacts ReadFacts(Compilation compilation)
    {
        INamedTypeSymbol? vector512 = compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector512");
        bool fma = vector512 is not null && !vector512.GetMembers("FusedMultiplyAdd").IsEmpty;
        CompilationSupport support = CompilationSupport.Read(compilation);
        return new CompilationFacts(fma, support.LanguageVersionSupported && support.HasVector512);
    }

    private static KernelSpec? Extract(GeneratorAttributeSyntaxContext ctx, CancellationToken token)
    {
        // A declaration the analyzer reports an error for is skipped, so the user sees that error and not a
        // cascade of compiler errors in generated code. Record structs never reach here (the predicate wants a
        // StructDeclarationSyntax) but the analyzer reports them too (AG0009).
        if (ctx.TargetSymbol is not INamedTypeSymbol type || type.TypeKind != TypeKind.Struct || ctx.Attributes.Length != 1)
        {
            return null;   // a duplicate [Attention] is CS0579
        }
        foreach (DeclarationProblem problem in KernelDeclaration.Check(type, ctx.Attributes[0], token))
        {
            if (problem.IsError)
            {
                return null;
            }
        }
        token.ThrowIfCancellationRequested();

        ShapeReader.RawShape raw = ShapeReader.Read(ctx.Attributes[0]);
        if (raw.SeqLen is not int seqLen || raw.Dim is not int dim || raw.Heads is not int heads)
        {
            return null;   // unreachable: Check reports AG0007 for these
        }
        bool defaultScale = float.IsNaN(raw.Scale);
        float scale = defaultScale ? (float)(1.0 / System.Math.Sqrt(dim / heads)) : raw.Scale;
        int keyLen = raw.KeyLen ?? seqLen;
        // A window that covers every key is no window (AG0018 warns); clamping keeps the band arithmetic in range.
        int window = raw.Window >= seqLen + keyLen ? int.MaxValue : raw.Window;
        var shape = new KernelShape(seqLen, dim, heads, raw.Causal, scale, defaultScale,
            keyLen, raw.KvHeads ?? heads, raw.Alignment == 1 && keyLen != seqLen, window, raw.Softcap, raw.Projections);

        var containers = new List<ContainingType>();
        for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            containers.Insert(0, new ContainingType(Keyword(t), Identifier(t.Name)));
        }
        // The namespace as C# (keywords escaped: namespace @event), the hint name from the plain names: a hint
        // name may not contain '@' (a struct named @class once made AddSource throw).
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        var hint = new System.Text.StringBuilder();
        for (ISymbol? s = type; s is not null && s is not INamespaceSymbol { IsGlobalNamespace: true }; s = s.ContainingSymbol)
        {
            hint.Insert(0, hint.Length == 0 ? s.Name : s.Name + ".");
        }
        return new KernelSpec(ns, EquatableArray<ContainingType>.From(containers), Identifier(type.Name), hint + ".g.cs", shape);
    }

    /// <summary>A name as a C# identifier: keywords and contextual keywords get an '@' (the symbol's Name has none).</summary>
    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
