using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// Snapshot tests: the generated file for each scenario must equal
/// <c>tests/AttentionGen.Generator.Tests/Baselines/&lt;Scenario&gt;.g.cs.txt</c> byte for byte, with the generator
/// version scrubbed to <c>&lt;VERSION&gt;</c>, and must compile without warnings.
/// <para>
/// To regenerate the baselines after an intended change to the emitter (one command, then review the diff):
/// <code>ATTENTIONGEN_UPDATE_BASELINES=1 dotnet test tests/AttentionGen.Generator.Tests -c Release --filter "FullyQualifiedName~SnapshotTests"</code>
/// In that mode the tests write the files into the source tree (not bin/) and pass.
/// </para>
/// </summary>
public sealed class SnapshotTests
{
    public const string UpdateVariable = "ATTENTIONGEN_UPDATE_BASELINES";

    private readonly ITestOutputHelper _output;

    public SnapshotTests(ITestOutputHelper output) => _output = output;

    /// <summary>The README's three kernels, and one small kernel that takes the rows-as-lanes path.</summary>
    public static TheoryData<string, string> Scenarios => new()
    {
        { "EncoderAttention", "[Attention(seqLen: 128, dim: 768, heads: 12)]     // 12 heads of 64, scale 1/√64\npublic partial struct EncoderAttention { }" },
        { "SentenceAttention", "[Attention(6, 64, 1, Scale = 1f)]                  // the basic form: Y = softmax(X Xᵀ) X\npublic partial struct SentenceAttention { }" },
        { "DecoderAttention", "[Attention(64, 256, 8, Causal = true)]             // row i attends to keys j ≤ i\npublic partial struct DecoderAttention { }" },
        { "TokenMixerAttention", "[Attention(32, 64, 8, Causal = true)]              // 32 keys, heads of 8: the rows-as-lanes path\npublic partial struct TokenMixerAttention { }" },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void GeneratedCodeMatchesBaseline(string scenario, string declaration)
    {
        string source = "using AttentionGen;\n\nnamespace Samples;\n\n" + declaration + "\n";
        var (output, result, diagnostics) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source));
        Assert.Null(result.Exception);
        Assert.Empty(diagnostics);
        GeneratedSourceResult generated = Assert.Single(result.GeneratedSources);
        Assert.Equal($"Samples.{scenario}.g.cs", generated.HintName);

        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, $"{scenario}: the generated code does not compile cleanly:\n{string.Join("\n", problems.Take(10))}");

        byte[] actual = Encoding.UTF8.GetBytes(Scrub(generated.SourceText.ToString()));
        string path = BaselinePath(scenario);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllBytes(path, actual);
            _output.WriteLine($"{UpdateVariable}=1: wrote {path} ({actual.Length} bytes)");
            return;
        }
        Assert.True(File.Exists(path), $"{scenario}: no baseline at {path}; create it with {UpdateVariable}=1 (see the class comment)");
        byte[] expected = File.ReadAllBytes(path);
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            Assert.Fail($"{scenario}: generated code differs from {path}\n{FirstDifference(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual))}\n" +
                $"If the change is intended, regenerate with: {UpdateVariable}=1 dotnet test tests/AttentionGen.Generator.Tests -c Release --filter \"FullyQualifiedName~SnapshotTests\"");
        }
    }

    [Fact]
    public void ScrubReplacesTheVersionOnly()
    {
        string version = typeof(AttentionGenerator).Assembly.GetName().Version!.ToString();
        string text = $"[global::System.CodeDom.Compiler.GeneratedCode(\"AttentionGen\", \"{version}\")]\nconst float Scale = 0.125f;\n";
        Assert.Equal("[global::System.CodeDom.Compiler.GeneratedCode(\"AttentionGen\", \"<VERSION>\")]\nconst float Scale = 0.125f;\n", Scrub(text));
    }

    [Fact]
    public void BaselinesExistForEveryScenarioAndNothingElse()
    {
        string directory = Path.GetDirectoryName(BaselinePath("x"))!;
        string[] files = Directory.GetFiles(directory, "*.g.cs.txt").Select(f => Path.GetFileName(f)).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        string[] expected = Scenarios.Select(s => (string)s[0] + ".g.cs.txt").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, files);
    }

    /// <summary>Replaces the generator's version (it changes with every release) by a placeholder.</summary>
    internal static string Scrub(string text)
    {
        string version = typeof(AttentionGenerator).Assembly.GetName().Version!.ToString();
        text = Regex.Replace(text, "GeneratedCode\\(\"AttentionGen\", \"[^\"]*\"\\)", "GeneratedCode(\"AttentionGen\", \"<VERSION>\")");
        return text.Replace(version, "<VERSION>", StringComparison.Ordinal);
    }

    private static string BaselinePath(string scenario) =>
        Path.Combine(DiagnosticsTests.RepositoryRoot(), "tests", "AttentionGen.Generator.Tests", "Baselines", scenario + ".g.cs.txt");

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n');
        string[] a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>";
            string al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
            {
                return $"first difference at line {i + 1} (baseline {e.Length} lines, generated {a.Length} lines):\n  baseline:  {el}\n  generated: {al}";
            }
        }
        return "the files differ in line endings or encoding only";
    }
}
