using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Generator.Tests;

/// <summary>
/// The layer entry points (AttendBatch, SelfAttendBatch, SelfAttendConcat, Pool) for a grid of shapes, generated and
/// compiled in memory: each is generated exactly when its shape allows it (self-attention shapes for
/// SelfAttendBatch and SelfAttendConcat, KvHeads = Heads for Pool), compiles without warnings for every option
/// (cross-attention, grouped-query, window, softcap, causal), Pool matches the float64 reference, and batches are
/// bit-identical to per-sequence calls.
/// </summary>
public sealed class LayerGridTests : IClassFixture<LayerGridTests.Grid>
{
    public sealed record Config(string Name, int SeqLen, int Dim, int Heads, string Options, int KeyLen, int KvHeads, float Softcap = 0f)
    {
        public bool SelfAttention => KeyLen == SeqLen && KvHeads == Heads;
        public int HeadDim => Dim / Heads;
        public double Scale => Options.Contains("Scale = 1f", StringComparison.Ordinal) ? 1.0 : (float)(1.0 / Math.Sqrt(HeadDim));
        public bool Plain => SelfAttention && !Options.Contains("Window", StringComparison.Ordinal) && Softcap == 0f;
    }

    public static IReadOnlyList<Config> Configs { get; } = new Config[]
    {
        new("L1", 1, 3, 1, "", 1, 1),
        new("L2", 2, 8, 2, "Causal = true", 2, 2),
        new("L7", 7, 51, 3, "Scale = 1f", 7, 3),
        new("L16", 16, 64, 4, "", 16, 4),
        new("L33", 33, 100, 1, "Causal = true", 33, 1),
        new("L64", 64, 384, 12, "", 64, 12),
        new("L5Softcap", 5, 48, 2, "Scale = 1f, Softcap = 3f", 5, 2, 3f),
        new("L20Window", 20, 32, 2, "Causal = true, Window = 4", 20, 2),
        new("L8Cross", 8, 32, 2, "KeyLen = 24", 24, 2),
        new("L8Gqa", 8, 64, 4, "KvHeads = 2", 8, 2),
        new("L9CrossGqa", 9, 96, 6, "KeyLen = 5, KvHeads = 3, Causal = true, CausalAlignment = CausalAlignment.BottomRight", 5, 3),
    };

    public sealed class Grid : IDisposable
    {
        public Grid()
        {
            var source = new StringBuilder("using AttentionGen;\nnamespace LayerGrid;\n");
            foreach (Config c in Configs)
            {
                string options = c.Options.Length > 0 ? ", " + c.Options : "";
                source.Append(CultureInfo.InvariantCulture, $"[Attention({c.SeqLen}, {c.Dim}, {c.Heads}{options})] public partial struct {c.Name} {{ }}\n");
            }
            Kernels = GeneratorHarness.CompileAndLoad(source.ToString());
        }

        public LoadedKernels Kernels { get; }

        public void Dispose() => Kernels.Dispose();
    }

    private delegate void PoolFn(ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<float> output, int validRows);
    private delegate void AttendFn(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);
    private delegate void BatchFn(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, int batch, ParallelOptions parallel);
    private delegate void ConcatFn(ReadOnlySpan<float> x, Span<float> output);

    private static readonly Type Ros = typeof(ReadOnlySpan<float>), Span = typeof(Span<float>);

    private readonly Grid _grid;

    public LayerGridTests(Grid grid) => _grid = grid;

    private MethodInfo? Method(Config c, string name, params Type[] parameters) =>
        _grid.Kernels.Assembly.GetType("LayerGrid." + c.Name, throwOnError: true)!.GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters);

    public static IEnumerable<object[]> Names() => Configs.Select(c => new object[] { c.Name });

    private static Config Find(string name) => Configs.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void MembersAreGeneratedExactlyWhenTheShapeAllowsThem(string name)
    {
        Config c = Find(name);
        Assert.NotNull(Method(c, "AttendBatch", Ros, Ros, Ros, Span, typeof(int)));
        Assert.NotNull(Method(c, "AttendBatch", Ros, Ros, Ros, Span, typeof(int), typeof(ParallelOptions)));
        Assert.Equal(c.SelfAttention, Method(c, "SelfAttendBatch", Ros, Span, typeof(int)) is not null);
        Assert.Equal(c.SelfAttention, Method(c, "SelfAttendBatch", Ros, Span, typeof(int), typeof(ParallelOptions)) is not null);
        Assert.Equal(c.SelfAttention, Method(c, "SelfAttendConcat", Ros, Span) is not null);
        Assert.Equal(c.KvHeads == c.Heads, Method(c, "Pool", Ros, Ros, Span) is not null);
        Assert.Equal(c.KvHeads == c.Heads, Method(c, "Pool", Ros, Ros, Span, typeof(int)) is not null);
    }

    public static IEnumerable<object[]> PoolNames() => Configs.Where(c => c.KvHeads == c.Heads).Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(PoolNames))]
    public void PoolMatchesFloat64Reference(string name)
    {
        Config c = Find(name);
        var pool = Method(c, "Pool", Ros, Ros, Span, typeof(int))!.CreateDelegate<PoolFn>();
        foreach (int rows in new[] { 1, c.SeqLen }.Distinct())
        {
            float[] x = TestData.Gaussian(200 + rows, c.SeqLen * c.Dim), query = TestData.Gaussian(300 + rows, c.Dim);
            float[] output = new float[c.Dim];
            pool(x, query, output, rows);

            float[] keys = x.AsSpan(0, rows * c.Dim).ToArray();
            double[] expected = new double[c.Dim];
            int hd = c.HeadDim;
            for (int h = 0; h < c.Heads; h++)
            {
                double[] s = new double[rows];
                for (int j = 0; j < rows; j++)
                {
                    double dot = 0;
                    for (int d = h * hd; d < (h + 1) * hd; d++) dot += (double)query[d] * keys[j * c.Dim + d];
                    s[j] = c.Softcap > 0 ? c.Softcap * Math.Tanh(dot * c.Scale / c.Softcap) : dot * c.Scale;
                }
                double max = s.Max();
                double[] p = s.Select(v => Math.Exp(v - max)).ToArray();
                double sum = p.Sum();
                for (int d = h * hd; d < (h + 1) * hd; d++)
                {
                    double acc = 0;
                    for (int j = 0; j < rows; j++) acc += p[j] * keys[j * c.Dim + d];
                    expected[d] = acc / sum;
                }
            }
            double error = TestData.MaxError(output, expected);
            double bound = TestData.KernelBound(query, keys, 1, rows, c.Dim, c.Heads, c.Scale);
            Assert.True(error <= bound, $"{c.Name} rows {rows} [{TestData.ActivePath}]: {error:E3} exceeds {bound:E3}");
        }
    }

    public static IEnumerable<object[]> PlainNames() => Configs.Where(c => c.Plain).Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(PlainNames))]
    public void BatchAndConcatAgreeWithAttend(string name)
    {
        Config c = Find(name);
        var attend = Method(c, "Attend", Ros, Ros, Ros, Span)!.CreateDelegate<AttendFn>();
        var batch = Method(c, "AttendBatch", Ros, Ros, Ros, Span, typeof(int), typeof(ParallelOptions))!.CreateDelegate<BatchFn>();
        var concat = Method(c, "SelfAttendConcat", Ros, Span)!.CreateDelegate<ConcatFn>();
        int n = c.SeqLen * c.Dim;
        const int Sequences = 3;
        float[] q = TestData.Gaussian(400, Sequences * n), k = TestData.Gaussian(401, Sequences * n), v = TestData.Gaussian(402, Sequences * n);
        float[] expected = new float[Sequences * n], actual = new float[Sequences * n];
        for (int b = 0; b < Sequences; b++)
        {
            attend(q.AsSpan(b * n, n), k.AsSpan(b * n, n), v.AsSpan(b * n, n), expected.AsSpan(b * n, n));
        }
        batch(q, k, v, actual, Sequences, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        Assert.Equal(expected, actual);

        float[] self = new float[n], joined = new float[2 * n];
        attend(q.AsSpan(0, n), q.AsSpan(0, n), q.AsSpan(0, n), self);
        concat(q.AsSpan(0, n), joined);
        for (int i = 0; i < c.SeqLen; i++)
        {
            Assert.True(q.AsSpan(i * c.Dim, c.Dim).SequenceEqual(joined.AsSpan(2 * i * c.Dim, c.Dim)), $"{c.Name} row {i}: x_i");
            Assert.True(self.AsSpan(i * c.Dim, c.Dim).SequenceEqual(joined.AsSpan((2 * i + 1) * c.Dim, c.Dim)), $"{c.Name} row {i}: context");
        }
    }
}
