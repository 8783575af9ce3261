using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace AttentionGen.Generator;

/// <summary>One misuse of <c>[Attention]</c>, ready to be reported.</summary>
internal readonly struct DeclarationProblem
{
    public DeclarationProblem(DiagnosticDescriptor descriptor, Location location, params object[] messageArgs)
    {
        Descriptor = descriptor;
        Location = location;
        MessageArgs = messageArgs;
    }

    public DiagnosticDescriptor Descriptor { get; }

    public Location Location { get; }

    public object[] MessageArgs { get; }

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    public Diagnostic ToDiagnostic() => Diagnostic.Create(Descriptor, Location, MessageArgs);
}

/// <summary>
/// The checks of one <c>[Attention]</c> declaration, shared by the analyzer (which reports them) and the
/// generator (which skips a declaration with any error, so the user sees our diagnostic and no cascade of
/// compiler errors in generated code).
/// </summary>
internal static class KernelDeclaration
{
    /// <summary>Members the generator adds to the struct, with what they are (for AG0010).</summary>
    public static readonly IReadOnlyList<(string Name, string What)> GeneratedMembers = new[]
    {
        ("Attend", "the entry point Attend(q, k, v, output)"),
        ("AttendMasked", "the entry point AttendMasked(q, k, v, output, mask)"),
        ("SelfAttend", "the entry point SelfAttend(x, output)"),
        ("SeqLen", "the constant SeqLen"),
        ("KeyLen", "the constant KeyLen"),
        ("Dim", "the constant Dim"),
        ("KvDim", "the constant KvDim"),
        ("Heads", "the constant Heads"),
        ("KvHeads", "the constant KvHeads"),
        ("HeadDim", "the constant HeadDim"),
        ("Causal", "the constant Causal"),
        ("Alignment", "the constant Alignment"),
        ("Window", "the constant Window"),
        ("Scale", "the constant Scale"),
        ("Softcap", "the constant Softcap"),
        ("Problem", "the property Problem"),
        ("Run", "the private dispatch method Run(q, k, v, output, mask, weights)"),
        ("RunParallel", "the private method RunParallel(q, k, v, output, parallel)"),
        ("Check", "the private argument check Check(q, k, v, output)"),
        ("CheckSelf", "the private argument check CheckSelf(x, output)"),
        ("CheckWeights", "the private argument check CheckWeights(q, k, v, output, weights)"),
        ("Flops", "the private constant Flops"),
        ("Vector512Path", "the nested class of the Vector512 path"),
        ("Vector256Path", "the nested class of the Vector256 path"),
        // LayerEmitter (batches, concatenation, pooling)
        ("AttendBatch", "the entry point AttendBatch(q, k, v, output, batch)"),
        ("SelfAttendBatch", "the entry point SelfAttendBatch(x, output, batch)"),
        ("SelfAttendConcat", "the entry point SelfAttendConcat(x, output)"),
        ("Pool", "the entry point Pool(x, query, output)"),
        // ProjectionEmitter (Forward)
        ("Forward", "the entry point Forward(x, weights, output)"),
    };

    /// <summary>Parameter types of the generated methods; a user method with other parameters is a legal overload.</summary>
    private const string Ros = "System.ReadOnlySpan<float>", Span = "System.Span<float>";
    private const string Options = "System.Threading.Tasks.ParallelOptions", Bools = "System.ReadOnlySpan<bool>", Bits = "AttentionGen.BitMask";
    private const string Weights = "AttentionGen.AttentionWeights";

    private static readonly Dictionary<string, string[][]> GeneratedSignatures = new(StringComparer.Ordinal)
    {
        ["Attend"] = new[]
        {
            new[] { Ros, Ros, Ros, Span },
            new[] { Ros, Ros, Ros, Span, Options },
            new[] { Ros, Ros, Ros, Span, Span },
            new[] { Ros, Ros, Ros, Span, "int" },
            new[] { Ros, Ros, Ros, Span, "int", Span },
        },
        ["AttendMasked"] = new[]
        {
            new[] { Ros, Ros, Ros, Span, Ros }, new[] { Ros, Ros, Ros, Span, Ros, Span },
            new[] { Ros, Ros, Ros, Span, Bools }, new[] { Ros, Ros, Ros, Span, Bools, Span },
            new[] { Ros, Ros, Ros, Span, Bits }, new[] { Ros, Ros, Ros, Span, Bits, Span },
        },
        ["SelfAttend"] = new[] { new[] { Ros, Span }, new[] { Ros, Span, Options } },
        // Run(q, k, v, output, mask = default, weights = default) is also called with four arguments: a user Run
        // with those four parameter types would win overload resolution, so it collides too.
        ["Run"] = new[] { new[] { Ros, Ros, Ros, Span }, new[] { Ros, Ros, Ros, Span, "AttentionGen.Runtime.KernelMask" }, new[] { Ros, Ros, Ros, Span, "AttentionGen.Runtime.KernelMask", Span } },
        ["RunParallel"] = new[] { new[] { Ros, Ros, Ros, Span, Options } },
        ["Check"] = new[] { new[] { Ros, Ros, Ros, Span } },
        ["CheckSelf"] = new[] { new[] { Ros, Span } },
        ["CheckWeights"] = new[] { new[] { Ros, Ros, Ros, Span, Span } },
        // LayerEmitter
        ["AttendBatch"] = new[] { new[] { Ros, Ros, Ros, Span, "int" }, new[] { Ros, Ros, Ros, Span, "int", Options } },
        ["SelfAttendBatch"] = new[] { new[] { Ros, Span, "int" }, new[] { Ros, Span, "int", Options } },
        ["SelfAttendConcat"] = new[] { new[] { Ros, Span } },
        ["Pool"] = new[] { new[] { Ros, Ros, Span }, new[] { Ros, Ros, Span, "int" } },
        // ProjectionEmitter
        ["Forward"] = new[] { new[] { Ros, Weights, Span }, new[] { Ros, Ros, Weights, Span } },
    };

    private static readonly string GeneratedPathMarker = typeof(AttentionGenerator).FullName!;

    /// <summary>Every problem of <paramref name="type"/> carrying <paramref name="attribute"/>, in source order of the checks.</summary>
    public static List<DeclarationProblem> Check(INamedTypeSymbol type, AttributeData attribute, CancellationToken token)
    {
        var problems = new List<DeclarationProblem>();
        var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(token) as AttributeSyntax;
        Location attributeLocation = attributeSyntax?.GetLocation() ?? FirstSourceLocation(type);
        Location nameLocation = attributeSyntax?.Parent?.Parent is BaseTypeDeclarationSyntax carrier
            ? carrier.Identifier.GetLocation()
            : FirstSourceLocation(type);

        string? kind = KindProblem(type);
        if (kind is not null)
        {
            problems.Add(new DeclarationProblem(DiagnosticDescriptors.NotAPlainStruct, nameLocation, type.Name, kind));
            return problems;
        }
        if (type.TypeKind != TypeKind.Struct)
        {
            return problems;   // enum or delegate: the compiler reports CS0592 for the attribute target
        }

        foreach (TypeDeclarationSyntax declaration in UserDeclarations(type, token))
        {
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                problems.Add(new DeclarationProblem(DiagnosticDescriptors.NotPartial, declaration.Identifier.GetLocation(), type.Name));
            }
        }
        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            foreach (TypeDeclarationSyntax declaration in UserDeclarations(container, token))
            {
                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    problems.Add(new DeclarationProblem(DiagnosticDescriptors.ContainingTypeNotPartial,
                        declaration.Identifier.GetLocation(), container.Name, type.Name));
                }
            }
        }

        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.TypeParameters.Length > 0)
            {
                problems.Add(new DeclarationProblem(DiagnosticDescriptors.GenericNotSupported, nameLocation,
                    type.Name, t.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)));
                break;
            }
        }

        token.ThrowIfCancellationRequested();
        AddCollisions(problems, type, nameLocation);

        ShapeReader.RawShape raw = ShapeReader.Read(attribute);
        if (raw.Unreadable is not null)
        {
            AttributeArgumentSyntax? argument = FindArgument(attributeSyntax, raw.Unreadable);
            string detail = raw.Unreadable.Length == 0
                ? "its arguments match no constructor of AttentionAttribute(int seqLen, int dim, int heads = 1)"
                : argument is null
                    ? $"{raw.Unreadable} is missing or not a compile-time constant"
                    : $"{raw.Unreadable} is '{argument.Expression}', which is not a compile-time constant {raw.Unreadable switch { "Causal" or "Projections" => "bool", "Scale" or "Softcap" => "float", "CausalAlignment" => "CausalAlignment", _ => "int" }}";
            problems.Add(new DeclarationProblem(DiagnosticDescriptors.NotConstant, argument?.GetLocation() ?? attributeLocation, type.Name, detail));
            return problems;
        }
        foreach (ShapeProblem problem in ShapeReader.Validate(raw))
        {
            AttributeArgumentSyntax? argument = FindArgument(attributeSyntax, problem.Argument);
            object[] args = problem.MessageArgs;
            if (problem.Descriptor == DiagnosticDescriptors.ZeroScale && argument?.Expression is BinaryExpressionSyntax
                {
                    RawKind: (int)SyntaxKind.DivideExpression,
                    Left: LiteralExpressionSyntax { Token.Value: int numerator },
                    Right: LiteralExpressionSyntax { Token.Value: int },
                } division)
            {
                args = new object[] { $"'{division}' is an integer division, which is 0; write {numerator}f / {division.Right} for a float division" };
            }
            problems.Add(new DeclarationProblem(problem.Descriptor, argument?.GetLocation() ?? attributeLocation, args));
        }
        return problems;
    }

    /// <summary>Why the type is not a plain struct ("a class", …), or null when it is one (or is an enum or delegate).</summary>
    private static string? KindProblem(INamedTypeSymbol type)
    {
        string? kind = type.TypeKind switch
        {
            TypeKind.Class => type.IsRecord ? "a record class" : "a class",
            TypeKind.Interface => "an interface",
            TypeKind.Struct when type.IsRecord => "a record struct",
            TypeKind.Struct when type.IsRefLikeType => "a ref struct (it cannot implement IAttentionKernel<T> or be a type argument)",
            TypeKind.Struct when type.IsFileLocal => "a file-local struct (the generated declaration is in another file, where it would be a different type)",
            _ => null,
        };
        for (INamedTypeSymbol? container = type.ContainingType; kind is null && container is not null; container = container.ContainingType)
        {
            if (container.IsFileLocal && type.TypeKind == TypeKind.Struct)
            {
                kind = $"nested in the file-local type '{container.Name}' (the generated declaration is in another file, where '{container.Name}' would be a different type: remove 'file' from '{container.Name}')";
            }
        }
        return kind;
    }

    private static void AddCollisions(List<DeclarationProblem> problems, INamedTypeSymbol type, Location nameLocation)
    {
        foreach ((string name, string what) in GeneratedMembers)
        {
            if (type.Name == name)
            {
                problems.Add(new DeclarationProblem(DiagnosticDescriptors.MemberNameCollision, nameLocation,
                    type.Name, "is itself named", name, what + ", and a member cannot have the name of its enclosing type"));
            }
            foreach (ISymbol member in type.GetMembers(name))
            {
                if (member.IsImplicitlyDeclared || !IsUserDeclared(member) || IsLegalOverload(member))
                {
                    continue;
                }
                Location location = member.Locations.FirstOrDefault(l => l.IsInSource) ?? nameLocation;
                problems.Add(new DeclarationProblem(DiagnosticDescriptors.MemberNameCollision, location,
                    type.Name, $"declares {Describe(member)} named", name, what));
            }
        }
    }

    private static bool IsLegalOverload(ISymbol member)
    {
        if (member is not IMethodSymbol method || !GeneratedSignatures.TryGetValue(method.Name, out string[][]? signatures))
        {
            return false;   // a field, property, event, nested type, or a method named like a constant: CS0102
        }
        foreach (string[] generated in signatures)
        {
            if (method.Parameters.Length == generated.Length &&
                method.Parameters.Select((parameter, i) => parameter.Type.ToDisplayString() == generated[i]).All(same => same))
            {
                return false;   // same parameter types as a generated overload: CS0111
            }
        }
        return true;
    }

    private static string Describe(ISymbol member) => member switch
    {
        IMethodSymbol => "a method",
        IPropertySymbol => "a property",
        IFieldSymbol { IsConst: true } => "a constant",
        IFieldSymbol => "a field",
        IEventSymbol => "an event",
        INamedTypeSymbol => "a nested type",
        _ => "a member",
    };

    /// <summary>The declarations of <paramref name="type"/> written by the user (not by this generator).</summary>
    private static IEnumerable<TypeDeclarationSyntax> UserDeclarations(INamedTypeSymbol type, CancellationToken token)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (!IsGeneratedByUs(reference.SyntaxTree) && reference.GetSyntax(token) is TypeDeclarationSyntax declaration)
            {
                yield return declaration;
            }
        }
    }

    private static bool IsUserDeclared(ISymbol member)
    {
        foreach (SyntaxReference reference in member.DeclaringSyntaxReferences)
        {
            if (!IsGeneratedByUs(reference.SyntaxTree))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// True for a tree this generator added. The analyzer runs on the compilation that already contains the
    /// generated kernels, whose members must not count as collisions; generated trees live under a path
    /// segment named after the generator type (…/AttentionGen.Generator.AttentionGenerator/Name.g.cs).
    /// </summary>
    internal static bool IsGeneratedByUs(SyntaxTree tree) =>
        tree.FilePath.IndexOf(GeneratedPathMarker, StringComparison.Ordinal) >= 0 &&
        tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal);

    private static Location FirstSourceLocation(INamedTypeSymbol type) =>
        type.Locations.FirstOrDefault(l => l.IsInSource && !IsGeneratedByUs(l.SourceTree!)) ?? Location.None;

    /// <summary>The argument that sets a parameter or property: by name (seqLen: 1, Scale = 2) or by position.</summary>
    internal static AttributeArgumentSyntax? FindArgument(AttributeSyntax? syntax, string? argument)
    {
        if (syntax?.ArgumentList is null || string.IsNullOrEmpty(argument))
        {
            return null;
        }
        var args = syntax.ArgumentList.Arguments;
        foreach (AttributeArgumentSyntax arg in args)
        {
            string? name = arg.NameColon?.Name.Identifier.ValueText ?? arg.NameEquals?.Name.Identifier.ValueText;
            if (name == argument)
            {
                return arg;
            }
        }
        int position = Array.IndexOf(ShapeReader.ParameterNames, argument);
        if (position >= 0 && position < args.Count && args[position].NameColon is null && args[position].NameEquals is null)
        {
            return args[position];
        }
        return null;
    }
}
