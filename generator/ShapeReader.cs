using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace AttentionGen.Generator;

/// <summary>One problem with an <c>[Attention]</c> declaration's arguments.</summary>
/// <param name="Descriptor">The diagnostic to report.</param>
/// <param name="Argument">Name of the offending attribute argument (for its location), or null for the whole attribute.</param>
/// <param name="MessageArgs">Arguments of the descriptor's message format.</param>
internal sealed record ShapeProblem(DiagnosticDescriptor Descriptor, string? Argument, object[] MessageArgs);

/// <summary>Reads and validates the arguments of an <c>[Attention]</c> attribute (shared by generator and analyzer).</summary>
internal static class ShapeReader
{
    public const string AttributeMetadataName = "AttentionGen.AttentionAttribute";

    /// <summary>The constructor's parameter names, in order.</summary>
    public static readonly string[] ParameterNames = { "seqLen", "dim", "heads" };

    /// <summary>The raw values as written; a size is null when its argument is missing or not a constant.</summary>
    /// <param name="Unreadable">
    /// Null when every argument was read; otherwise the name of the first argument that is not a constant of
    /// its declared type, or <c>""</c> when the arguments match no constructor at all.
    /// </param>
    /// <param name="KeyLen">The KeyLen property when written (null: SeqLen).</param>
    /// <param name="KvHeads">The KvHeads property when written (null: Heads).</param>
    /// <param name="Window">The Window property (<see cref="int.MaxValue"/>: none).</param>
    /// <param name="Alignment">The CausalAlignment property as its integer value (0 TopLeft, 1 BottomRight).</param>
    /// <param name="Softcap">The Softcap property (0: none).</param>
    internal sealed record RawShape(int? SeqLen, int? Dim, int? Heads, bool Causal, float Scale, string? Unreadable,
        int? KeyLen = null, int? KvHeads = null, int Window = int.MaxValue, int Alignment = 0, float Softcap = 0f, bool Projections = false);

    public static RawShape Read(AttributeData attribute)
    {
        if (attribute.AttributeConstructor is null)
        {
            // The compiler reports why (CS1503, CS1729, CS7036); nothing can be read.
            return new RawShape(null, null, null, false, float.NaN, "");
        }
        var args = attribute.ConstructorArguments;
        string? unreadable = null;
        int? seqLen = ReadInt(args, 0, ref unreadable);
        int? dim = ReadInt(args, 1, ref unreadable);
        int? heads = args.Length > 2 ? ReadInt(args, 2, ref unreadable) : 1;
        bool causal = false, projections = false;
        float scale = float.NaN, softcap = 0f;
        int? keyLen = null, kvHeads = null;
        int window = int.MaxValue, alignment = 0;
        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            object? value = named.Value.Kind == TypedConstantKind.Error ? null : named.Value.Value;
            switch (named.Key)
            {
                case "Causal" when value is bool b:
                    causal = b;
                    break;
                case "Projections" when value is bool b:
                    projections = b;
                    break;
                case "Scale" when value is float f:
                    scale = f;
                    break;
                case "Softcap" when value is float f:
                    softcap = f;
                    break;
                case "KeyLen" when value is int i:
                    keyLen = i;
                    break;
                case "KvHeads" when value is int i:
                    kvHeads = i;
                    break;
                case "Window" when value is int i:
                    window = i;
                    break;
                case "CausalAlignment" when named.Value.Kind == TypedConstantKind.Enum && value is int i:
                    alignment = i;
                    break;
                case "Causal" or "Scale" or "Projections" or "Softcap" or "KeyLen" or "KvHeads" or "Window" or "CausalAlignment":
                    unreadable ??= named.Key;
                    break;
            }
        }
        return new RawShape(seqLen, dim, heads, causal, scale, unreadable, keyLen, kvHeads, window, alignment, softcap, projections);
    }

    private static int? ReadInt(System.Collections.Immutable.ImmutableArray<TypedConstant> args, int index, ref string? unreadable)
    {
        if (index < args.Length && args[index].Kind == TypedConstantKind.Primitive && args[index].Value is int i)
        {
            return i;
        }
        unreadable ??= ParameterNames[index];
        return null;
    }

    /// <summary>
    /// Validates a raw shape; returns the problems (empty when the shape can be generated as written).
    /// Only problems whose descriptor is an error stop generation; warnings describe a shape that is valid but
    /// probably not what was meant.
    /// </summary>
    public static List<ShapeProblem> Validate(RawShape raw)
    {
        var problems = new List<ShapeProblem>();
        CheckPositive(problems, raw.SeqLen, "seqLen");
        CheckPositive(problems, raw.Dim, "dim");
        CheckPositive(problems, raw.Heads, "heads");
        CheckPositive(problems, raw.KeyLen, "KeyLen");
        if (problems.Count > 0 || raw.SeqLen is not int seqLen || raw.Dim is not int dim || raw.Heads is not int heads)
        {
            return problems;
        }
        int keyLen = raw.KeyLen ?? seqLen;
        if (dim % heads != 0)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.HeadsDoNotDivideDim, "heads", new object[] { dim, heads }));
            return problems;
        }
        CheckLimit(problems, seqLen, KernelLimits.MaxSeqLen, "seqLen",
            "one head's packed keys and a block of score rows are kept in per-thread scratch that must stay cache-resident");
        if (raw.KeyLen is not null)
        {
            CheckLimit(problems, keyLen, KernelLimits.MaxSeqLen, "KeyLen",
                "one head's packed keys and a block of score rows are kept in per-thread scratch that must stay cache-resident");
        }
        CheckLimit(problems, dim, KernelLimits.MaxDim, "dim", "rows longer than this are not supported");
        CheckLimit(problems, heads, KernelLimits.MaxHeads, "heads", "more heads than this are not supported");
        CheckLimit(problems, dim / heads, KernelLimits.MaxHeadDim, "dim",
            "the head dimension (dim / heads) must stay small enough for one head's packed keys to fit the L2 cache");
        if (float.IsInfinity(raw.Scale))
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.InvalidScale, "Scale", new object[] { raw.Scale > 0 ? "+∞" : "−∞" }));
        }
        else if (raw.Scale == 0f)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.ZeroScale, "Scale",
                new object[] { "omit Scale for the default 1/√HeadDim, or give the factor you meant" }));
        }
        if (raw.KvHeads is int kvHeads && (kvHeads <= 0 || heads % kvHeads != 0))
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.InvalidKvHeads, "KvHeads", new object[] { kvHeads, heads }));
        }
        if (raw.Window < 0)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.InvalidWindow, "Window", new object[] { raw.Window }));
        }
        if (raw.Softcap < 0 || float.IsNaN(raw.Softcap) || float.IsInfinity(raw.Softcap))
        {
            string text = float.IsNaN(raw.Softcap) ? "NaN" : float.IsPositiveInfinity(raw.Softcap) ? "+∞" : float.IsNegativeInfinity(raw.Softcap) ? "−∞"
                : raw.Softcap.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            problems.Add(new ShapeProblem(DiagnosticDescriptors.InvalidSoftcap, "Softcap", new object[] { text }));
        }
        if (raw.Alignment is not (0 or 1))
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.InvalidAlignment, "CausalAlignment", new object[] { raw.Alignment }));
        }
        if (HasError(problems))
        {
            return problems;
        }
        // Valid but without effect: probably not what was meant.
        if (raw.Alignment == 1 && keyLen == seqLen)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.OptionWithoutEffect, "CausalAlignment",
                new object[] { "CausalAlignment = BottomRight", $"KeyLen equals SeqLen ({seqLen}), where both alignments are the same; it matters only for cross-attention (KeyLen ≠ SeqLen)" }));
        }
        else if (raw.Alignment == 1 && !raw.Causal && raw.Window == int.MaxValue)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.OptionWithoutEffect, "CausalAlignment",
                new object[] { "CausalAlignment = BottomRight", "the kernel is neither Causal nor windowed, so every row sees every key" }));
        }
        if (raw.Window != int.MaxValue && (long)raw.Window >= (long)seqLen + keyLen)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.OptionWithoutEffect, "Window",
                new object[] { $"Window = {raw.Window}", $"a window of SeqLen + KeyLen ({(long)seqLen + keyLen}) or more covers every key; omit Window, or give the width you meant" }));
        }
        return problems;
    }

    /// <summary>True when a list of problems contains one that stops generation.</summary>
    public static bool HasError(List<ShapeProblem> problems)
    {
        foreach (ShapeProblem problem in problems)
        {
            if (problem.Descriptor.DefaultSeverity == DiagnosticSeverity.Error)
            {
                return true;
            }
        }
        return false;
    }

    private static void CheckPositive(List<ShapeProblem> problems, int? value, string name)
    {
        if (value is int v && v <= 0)
        {
            problems.Add(new ShapeProblem(DiagnosticDescriptors.NonPositiveSize, name, new object[] { name, v }));
        }
    }

    private static void CheckLimit(List<ShapeProblem> problems, int value, int limit, string name, string reason)
    {
        if (value > limit)
        {
            string what = name == "dim" && reason.StartsWith("the head", StringComparison.Ordinal) ? "head dimension" : name;
            problems.Add(new ShapeProblem(DiagnosticDescriptors.ShapeTooLarge, name, new object[] { what, value, limit, reason }));
        }
    }
}
