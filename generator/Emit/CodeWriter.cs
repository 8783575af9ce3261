using System;
using System.Globalization;
using System.Text;

namespace AttentionGen.Generator.Emit;

/// <summary>A small indented text writer for emitting readable C# (no SyntaxFactory, no NormalizeWhitespace).</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    /// <summary>Statements written since the counter was last reset (a proxy for the method's IL size).</summary>
    public int Statements { get; private set; }

    public void ResetStatements() => Statements = 0;

    public CodeWriter Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
            if (text.EndsWith(";", StringComparison.Ordinal))
            {
                Statements++;
            }
        }
        _builder.Append('\n');
        return this;
    }

    public CodeWriter Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString() => _builder.ToString();

    /// <summary>A float literal that round-trips and never depends on the current culture.</summary>
    public static string Float(float value)
    {
        if (float.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        if (float.IsNaN(value)) return "float.NaN";
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        if (s.IndexOf('.') < 0 && s.IndexOf('E') < 0)
        {
            s += ".0";
        }
        return s + "f";
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
