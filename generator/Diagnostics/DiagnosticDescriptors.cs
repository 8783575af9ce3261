using Microsoft.CodeAnalysis;

namespace AttentionGen.Generator;

/// <summary>Every diagnostic AttentionGen reports. IDs are stable and never reused.</summary>
internal static class DiagnosticDescriptors
{
    public const string UsageCategory = "AttentionGen.Usage";

    private static string HelpLink(string id) => $"https://github.com/attentiongen/attentiongen/blob/main/docs/diagnostics/{id}.md";

    /// <summary>AG0001: "The [Attention] struct '{0}' must be declared partial so the generator can add the kernel".</summary>
    public static readonly DiagnosticDescriptor NotPartial = new(
        "AG0001",
        "Kernel struct must be partial",
        "The [Attention] struct '{0}' must be declared partial so the generator can add the kernel to it; add the 'partial' modifier",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0001"));

    /// <summary>AG0002: "'{0}' is {1}; it must be at least 1".</summary>
    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        "AG0002",
        "Attention size must be positive",
        "'{0}' is {1}; it must be at least 1",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0002"));

    /// <summary>AG0003: "dim ({0}) is not divisible by heads ({1})".</summary>
    public static readonly DiagnosticDescriptor HeadsDoNotDivideDim = new(
        "AG0003",
        "Heads must divide the model dimension",
        "dim ({0}) is not divisible by heads ({1}); every head needs the same number of columns, so choose heads that divide dim",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0003"));

    /// <summary>AG0004: "The {0} {1} exceeds the largest supported value {2}: {3}".</summary>
    public static readonly DiagnosticDescriptor ShapeTooLarge = new(
        "AG0004",
        "Shape too large to specialise",
        "The {0} {1} exceeds the largest supported value {2}: {3}",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0004"));

    /// <summary>AG0005: "Scale is {0}; it must be a finite number (or omitted for 1/√HeadDim)".</summary>
    public static readonly DiagnosticDescriptor InvalidScale = new(
        "AG0005",
        "Scale must be finite",
        "Scale is {0}; it must be a finite number, or be omitted for the default 1/√HeadDim",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0005"));

    /// <summary>AG0006: "The [Attention] struct '{0}' is generic or nested in a generic type, which is not supported".</summary>
    public static readonly DiagnosticDescriptor GenericNotSupported = new(
        "AG0006",
        "Generic kernel structs are not supported",
        "The [Attention] struct '{0}' is generic or nested in a generic type; kernels are specialised for one shape, so declare them on a non-generic struct",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0006"));

    /// <summary>AG0007: "'{0}' is not a valid constant for {1}".</summary>
    public static readonly DiagnosticDescriptor NotConstant = new(
        "AG0007",
        "Attention arguments must be constants",
        "The [Attention] attribute on '{0}' could not be read: its arguments must be compile-time constants of the declared types",
        UsageCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink("AG0007"));
}
