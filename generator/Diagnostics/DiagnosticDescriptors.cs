using Microsoft.CodeAnalysis;

namespace AttentionGen.Generator;

/// <summary>
/// Every diagnostic AttentionGen reports. IDs are stable and never reused; each has a page
/// <c>docs/diagnostics/AGxxxx.md</c> and a row in <c>AnalyzerReleases.Unshipped.md</c> (or Shipped).
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string UsageCategory = "AttentionGen.Usage";
    public const string CompatibilityCategory = "AttentionGen.Compatibility";

    public const string NotPartialId = "AG0001";
    public const string NonPositiveSizeId = "AG0002";
    public const string HeadsDoNotDivideDimId = "AG0003";
    public const string ShapeTooLargeId = "AG0004";
    public const string InvalidScaleId = "AG0005";
    public const string GenericNotSupportedId = "AG0006";
    public const string NotConstantId = "AG0007";
    public const string ContainingTypeNotPartialId = "AG0008";
    public const string NotAPlainStructId = "AG0009";
    public const string MemberNameCollisionId = "AG0010";
    public const string LanguageVersionTooOldId = "AG0011";
    public const string TargetFrameworkTooOldId = "AG0012";
    public const string ZeroScaleId = "AG0013";
    public const string InvalidWindowId = "AG0014";
    public const string InvalidKvHeadsId = "AG0015";
    public const string InvalidSoftcapId = "AG0016";
    public const string InvalidAlignmentId = "AG0017";
    public const string OptionWithoutEffectId = "AG0018";

    /// <summary>The address of a diagnostic's documentation page.</summary>
    public static string HelpLink(string id) => $"https://github.com/attentiongen/attentiongen/blob/main/docs/diagnostics/{id}.md";

    /// <summary>AG0001: "The [Attention] struct '{0}' must be declared partial so the generator can add the kernel to it; add the 'partial' modifier".</summary>
    public static readonly DiagnosticDescriptor NotPartial = new(
        NotPartialId,
        "Kernel struct must be partial",
        "The [Attention] struct '{0}' must be declared partial so the generator can add the kernel to it; add the 'partial' modifier",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(NotPartialId));

    /// <summary>AG0002: "'{0}' is {1}; it must be at least 1".</summary>
    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        NonPositiveSizeId,
        "Attention size must be positive",
        "'{0}' is {1}; it must be at least 1",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(NonPositiveSizeId));

    /// <summary>AG0003: "dim ({0}) is not divisible by heads ({1}); every head needs the same number of columns, so choose heads that divide dim".</summary>
    public static readonly DiagnosticDescriptor HeadsDoNotDivideDim = new(
        HeadsDoNotDivideDimId,
        "Heads must divide the model dimension",
        "dim ({0}) is not divisible by heads ({1}); every head needs the same number of columns, so choose heads that divide dim",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(HeadsDoNotDivideDimId));

    /// <summary>AG0004: "The {0} {1} exceeds the largest supported value {2}: {3}".</summary>
    public static readonly DiagnosticDescriptor ShapeTooLarge = new(
        ShapeTooLargeId,
        "Shape too large to specialise",
        "The {0} {1} exceeds the largest supported value {2}: {3}",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(ShapeTooLargeId));

    /// <summary>AG0005: "Scale is {0}; it must be a finite number, or be omitted for the default 1/√HeadDim".</summary>
    public static readonly DiagnosticDescriptor InvalidScale = new(
        InvalidScaleId,
        "Scale must be finite",
        "Scale is {0}; it must be a finite number, or be omitted for the default 1/√HeadDim",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(InvalidScaleId));

    /// <summary>AG0006: "The [Attention] struct '{0}' is generic or nested in a generic type ('{1}'); kernels are specialised for one shape, so declare them on a non-generic struct".</summary>
    public static readonly DiagnosticDescriptor GenericNotSupported = new(
        GenericNotSupportedId,
        "Generic kernel structs are not supported",
        "The [Attention] struct '{0}' is generic or nested in a generic type ('{1}'); kernels are specialised for one shape, so declare them on a non-generic struct outside generic types",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(GenericNotSupportedId));

    /// <summary>AG0007: "The [Attention] attribute on '{0}' cannot be read: {1}; write every argument as a compile-time constant of its declared type (int seqLen, dim, heads, KeyLen, KvHeads, Window; bool Causal, Projections; float Scale, Softcap; CausalAlignment CausalAlignment)".</summary>
    public static readonly DiagnosticDescriptor NotConstant = new(
        NotConstantId,
        "Attention arguments must be constants",
        "The [Attention] attribute on '{0}' cannot be read: {1}; write every argument as a compile-time constant of its declared type (int seqLen, dim, heads, KeyLen, KvHeads, Window; bool Causal, Projections; float Scale, Softcap; CausalAlignment CausalAlignment)",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(NotConstantId));

    /// <summary>AG0008: "'{0}' contains the [Attention] struct '{1}' but is not declared partial; add the 'partial' modifier to '{0}' so the generator can declare the kernel inside it".</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        ContainingTypeNotPartialId,
        "Types containing a kernel struct must be partial",
        "'{0}' contains the [Attention] struct '{1}' but is not declared partial; add the 'partial' modifier to '{0}' so the generator can declare the kernel inside it",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(ContainingTypeNotPartialId));

    /// <summary>AG0009: "[Attention] applies only to a plain partial struct, but '{0}' is {1}; declare it as 'partial struct {0}'".</summary>
    public static readonly DiagnosticDescriptor NotAPlainStruct = new(
        NotAPlainStructId,
        "[Attention] applies only to a plain struct",
        "[Attention] applies only to a plain partial struct, but '{0}' is {1}; declare it as 'partial struct {0}'",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(NotAPlainStructId));

    /// <summary>AG0010: "The [Attention] struct '{0}' {1} '{2}', a name the generator adds ({3}); rename it, the kernel is not generated until then".</summary>
    public static readonly DiagnosticDescriptor MemberNameCollision = new(
        MemberNameCollisionId,
        "A user member has the name of a generated member",
        "The [Attention] struct '{0}' {1} '{2}', a name the generator adds ({3}); rename it, the kernel is not generated until then",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(MemberNameCollisionId));

    /// <summary>AG0011: "The kernel for '{0}' needs C# 11 or newer (static abstract interface members), but the project uses C# {1}; set &lt;LangVersion&gt; to 11 or newer (or remove it to use the SDK's default)".</summary>
    public static readonly DiagnosticDescriptor LanguageVersionTooOld = new(
        LanguageVersionTooOldId,
        "C# 11 or newer is required",
        "The kernel for '{0}' needs C# 11 or newer (static abstract interface members), but the project uses C# {1}; set <LangVersion> to 11 or newer (or remove it to use the SDK's default)",
        CompatibilityCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(LanguageVersionTooOldId));

    /// <summary>AG0012: "The kernel for '{0}' needs System.Runtime.Intrinsics.Vector512 (.NET 8 or newer), which the target framework does not have; target net8.0 or newer".</summary>
    public static readonly DiagnosticDescriptor TargetFrameworkTooOld = new(
        TargetFrameworkTooOldId,
        ".NET 8 or newer is required",
        "The kernel for '{0}' needs System.Runtime.Intrinsics.Vector512 (.NET 8 or newer), which the target framework does not have; target net8.0 or newer",
        CompatibilityCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(TargetFrameworkTooOldId));

    /// <summary>AG0013: "Scale is 0, so every attention weight is equal and the output is the mean of the value rows whatever q and k are; {0}".</summary>
    public static readonly DiagnosticDescriptor ZeroScale = new(
        ZeroScaleId,
        "Scale is zero",
        "Scale is 0, so every attention weight is equal and the output is the mean of the value rows whatever q and k are; {0}",
        UsageCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(ZeroScaleId));

    /// <summary>AG0014: "Window is {0}; it must be at least 0 (0: each row sees only its own key), or be omitted for attention over every key".</summary>
    public static readonly DiagnosticDescriptor InvalidWindow = new(
        InvalidWindowId,
        "Window must not be negative",
        "Window is {0}; it must be at least 0 (0: each row sees only its own key), or be omitted for attention over every key",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(InvalidWindowId));

    /// <summary>AG0015: "KvHeads is {0}; it must be at least 1 and divide heads ({1}), so that each key/value head serves the same number of query heads".</summary>
    public static readonly DiagnosticDescriptor InvalidKvHeads = new(
        InvalidKvHeadsId,
        "KvHeads must divide Heads",
        "KvHeads is {0}; it must be at least 1 and divide heads ({1}), so that each key/value head serves the same number of query heads",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(InvalidKvHeadsId));

    /// <summary>AG0016: "Softcap is {0}; it must be a positive finite number, or be omitted (0) for no softcap".</summary>
    public static readonly DiagnosticDescriptor InvalidSoftcap = new(
        InvalidSoftcapId,
        "Softcap must be positive and finite",
        "Softcap is {0}; it must be a positive finite number, or be omitted (0) for no softcap",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(InvalidSoftcapId));

    /// <summary>AG0017: "CausalAlignment is {0}, which is not a defined value; use CausalAlignment.TopLeft or CausalAlignment.BottomRight".</summary>
    public static readonly DiagnosticDescriptor InvalidAlignment = new(
        InvalidAlignmentId,
        "CausalAlignment must be a defined value",
        "CausalAlignment is {0}, which is not a defined value; use CausalAlignment.TopLeft or CausalAlignment.BottomRight",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(InvalidAlignmentId));

    /// <summary>AG0018: "{0} has no effect: {1}".</summary>
    public static readonly DiagnosticDescriptor OptionWithoutEffect = new(
        OptionWithoutEffectId,
        "An attention option has no effect",
        "{0} has no effect: {1}",
        UsageCategory, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(OptionWithoutEffectId));
}
