using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.RegularExpressions;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// Argument validation of every public entry point: <c>Attend</c> and <c>SelfAttend</c> of every kernel in
/// this assembly, and <see cref="AttentionReference.Attend"/>. A wrong length throws
/// <see cref="ArgumentException"/> whose ParamName is the parameter and whose message holds the expected
/// and the actual length; an output overlapping an input is rejected; nothing is written when it throws.
/// Adjacent buffers, and inputs aliasing each other, are accepted.
/// </summary>
public sealed class ReliabilityBadInputTests
{
    public static IEnumerable<object[]> Kernels() => new[]
    {
        typeof(Encoder128), typeof(Sentence6), typeof(Decoder64), typeof(Odd37), typeof(OddCausal37), typeof(Single1),
        typeof(Outer.Nested16), typeof(GlobalNamespace9), typeof(EdgeCausal33), typeof(EdgeH3D16),
    }.Select(t => new object[] { t });

    [Theory, MemberData(nameof(Kernels))]
    public void EveryWrongLengthIsRejectedBeforeAnythingIsWritten(Type kernel) => Invoke(nameof(WrongLengths), kernel);

    private static void WrongLengths<T>() where T : ISelfAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        foreach (int actual in new[] { 0, 1, n - 1, n + 1, n + T.Dim, 2 * n }.Where(a => a != n).Distinct())
        {
            foreach (string which in new[] { "q", "k", "v", "output" })
            {
                float[] q = Ramp(which == "q" ? actual : n, 1);
                float[] k = Ramp(which == "k" ? actual : n, 2);
                float[] v = Ramp(which == "v" ? actual : n, 3);
                float[] o = Enumerable.Repeat(42f, which == "output" ? actual : n).ToArray();
                float[] q0 = (float[])q.Clone(), k0 = (float[])k.Clone(), v0 = (float[])v.Clone();
                var ex = Assert.Throws<ArgumentException>(() => T.Attend(q, k, v, o));
                AssertNames<T>(ex, which, n, actual, "Attend");
                Assert.True(Array.TrueForAll(o, x => x == 42f), $"{typeof(T).Name}.Attend wrote to the output before throwing");
                Assert.True(q.AsSpan().SequenceEqual(q0) && k.AsSpan().SequenceEqual(k0) && v.AsSpan().SequenceEqual(v0), $"{typeof(T).Name}.Attend modified an input");
            }
            foreach (string which in new[] { "x", "output" })
            {
                float[] x = Ramp(which == "x" ? actual : n, 4);
                float[] o = Enumerable.Repeat(42f, which == "output" ? actual : n).ToArray();
                var ex = Assert.Throws<ArgumentException>(() => T.SelfAttend(x, o));
                AssertNames<T>(ex, which, n, actual, "SelfAttend");
                Assert.True(Array.TrueForAll(o, y => y == 42f), $"{typeof(T).Name}.SelfAttend wrote to the output before throwing");
            }
        }
    }

    [Theory, MemberData(nameof(Kernels))]
    public void OverlapIsRejectedOnEitherSide_AdjacentAndAliasedInputsWork(Type kernel) => Invoke(nameof(Overlaps), kernel);

    private static void Overlaps<T>() where T : ISelfAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] buffer = TestData.Gaussian(5, 3 * n);
        float[] other1 = TestData.Gaussian(6, n), other2 = TestData.Gaussian(7, n);
        Span<float> input = buffer.AsSpan(n, n);   // the input sits in the middle third

        // The output overlapping the input by one float at its start, by one at its end, or exactly.
        foreach (int outputStart in new[] { 1, 2 * n - 1, n }.Distinct())
        {
            float[] before = (float[])buffer.Clone();
            foreach (string which in new[] { "q", "k", "v" })
            {
                var ex = Assert.Throws<ArgumentException>(() =>
                {
                    Span<float> inSpan = buffer.AsSpan(n, n), outSpan = buffer.AsSpan(outputStart, n);
                    T.Attend(which == "q" ? inSpan : other1, which == "k" ? inSpan : other1, which == "v" ? inSpan : other2, outSpan);
                });
                Assert.Equal("output", ex.ParamName);
                Assert.Contains($"'{which}'", ex.Message);
                Assert.True(buffer.AsSpan().SequenceEqual(before), $"{typeof(T).Name}.Attend wrote before rejecting an overlap");
            }
            var self = Assert.Throws<ArgumentException>(() => T.SelfAttend(buffer.AsSpan(n, n), buffer.AsSpan(outputStart, n)));
            Assert.Equal("output", self.ParamName);
            Assert.Contains("'x'", self.Message);
            Assert.True(buffer.AsSpan().SequenceEqual(before), $"{typeof(T).Name}.SelfAttend wrote before rejecting an overlap");
        }

        // Adjacent on either side is not an overlap, and the result is that of separate buffers.
        float[] x = input.ToArray();
        float[] expected = new float[n];
        T.SelfAttend(x, expected);
        T.SelfAttend(buffer.AsSpan(n, n), buffer.AsSpan(2 * n, n));       // output right after the input
        Assert.True(buffer.AsSpan(2 * n, n).SequenceEqual(expected), "output right after the input: wrong result");
        T.SelfAttend(buffer.AsSpan(n, n), buffer.AsSpan(0, n));           // output right before the input
        Assert.True(buffer.AsSpan(0, n).SequenceEqual(expected), "output right before the input: wrong result");

        // q, k and v may alias each other, exactly or partially.
        float[] kv = TestData.Gaussian(8, n + T.Dim);
        float[] copyK = kv.AsSpan(0, n).ToArray(), copyV = kv.AsSpan(T.Dim, n).ToArray(), copyQ = kv.AsSpan(0, n).ToArray();
        float[] separate = new float[n], aliased = new float[n];
        T.Attend(copyQ, copyK, copyV, separate);
        T.Attend(kv.AsSpan(0, n), kv.AsSpan(0, n), kv.AsSpan(T.Dim, n), aliased);   // q = k, v shifted by one row
        Assert.True(aliased.AsSpan().SequenceEqual(separate), "aliased q = k and overlapping v: result differs from separate copies");
    }

    private static float[] Ramp(int length, int seed)
    {
        float[] a = new float[length];
        for (int i = 0; i < length; i++) a[i] = ((i * 31 + seed * 17) % 97) * 0.01f - 0.5f;
        return a;
    }

    private static void AssertNames<T>(ArgumentException ex, string param, int expected, int actual, string method) where T : ISelfAttentionKernel<T>
    {
        string where = $"{typeof(T).Name}.{method} with '{param}' of {actual} floats (expected {expected})";
        Assert.True(ex.ParamName == param, $"{where}: ParamName is '{ex.ParamName}'");
        Assert.True(Regex.IsMatch(ex.Message, $@"\b{expected}\b"), $"{where}: the message does not state the expected length: {ex.Message}");
        Assert.True(Regex.IsMatch(ex.Message, $@"\b{actual}\b"), $"{where}: the message does not state the actual length: {ex.Message}");
    }

    private static void Invoke(string method, Type kernel)
    {
        MethodInfo m = typeof(ReliabilityBadInputTests).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(kernel);
        try
        {
            m.Invoke(null, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    // ------------------------------------------------------------------ AttentionReference

    private const int S = 5, KeyLen = 7, D = 6, H = 2;

    public static IEnumerable<object[]> ReferenceShapeArguments() => new[]
    {
        new object[] { "seqLen", 0 }, new object[] { "seqLen", -3 }, new object[] { "keyLen", 0 }, new object[] { "dim", 0 },
        new object[] { "heads", 0 }, new object[] { "heads", -1 }, new object[] { "heads", 4 },   // 4 does not divide 6
    };

    [Theory, MemberData(nameof(ReferenceShapeArguments))]
    public void ReferenceRejectsBadShapes(string param, int value)
    {
        float[] q = new float[S * D], k = new float[KeyLen * D], v = new float[KeyLen * D];
        double[] o = Enumerable.Repeat(42.0, S * D).ToArray();
        var ex = Assert.ThrowsAny<ArgumentException>(() => AttentionReference.Attend(q, k, v, o,
            param == "seqLen" ? value : S, param == "keyLen" ? value : KeyLen, param == "dim" ? value : D, param == "heads" ? value : H, 0.5, false));
        Assert.Equal(param, ex.ParamName);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        Assert.All(o, x => Assert.Equal(42.0, x));
    }

    [Theory]
    [InlineData("q", S * D, -1)]
    [InlineData("q", S * D, 1)]
    [InlineData("k", KeyLen * D, -D)]
    [InlineData("v", KeyLen * D, 1)]
    [InlineData("output", S * D, -1)]
    [InlineData("weights", H * S * KeyLen, 1)]
    [InlineData("weights", H * S * KeyLen, -1)]
    public void ReferenceRejectsWrongLengths(string param, int expected, int delta)
    {
        int actual = expected + delta;
        float[] q = new float[param == "q" ? actual : S * D];
        float[] k = new float[param == "k" ? actual : KeyLen * D];
        float[] v = new float[param == "v" ? actual : KeyLen * D];
        double[] o = Enumerable.Repeat(42.0, param == "output" ? actual : S * D).ToArray();
        double[] w = Enumerable.Repeat(42.0, param == "weights" ? actual : H * S * KeyLen).ToArray();
        var ex = Assert.Throws<ArgumentException>(() => AttentionReference.Attend(q, k, v, o, S, KeyLen, D, H, 0.5, true, w));
        Assert.Equal(param, ex.ParamName);
        Assert.Matches($@"\b{expected}\b", ex.Message);
        Assert.Matches($@"\b{actual}\b", ex.Message);
        Assert.All(o, x => Assert.Equal(42.0, x));
        Assert.All(w, x => Assert.Equal(42.0, x));
    }

    [Fact]
    public void ReferenceAcceptsCrossAttentionAndEmptyWeights()
    {
        // keyLen ≠ seqLen is valid (the reference is more general than the kernels), and weights are optional.
        float[] q = TestData.Gaussian(9, S * D), k = TestData.Gaussian(10, KeyLen * D), v = TestData.Gaussian(11, KeyLen * D);
        double[] o = new double[S * D], w = new double[H * S * KeyLen];
        AttentionReference.Attend(q, k, v, o, S, KeyLen, D, H, 0.5, true, w);
        double[] o2 = new double[S * D];
        AttentionReference.Attend(q, k, v, o2, S, KeyLen, D, H, 0.5, true);
        Assert.Equal(o, o2);
        for (int r = 0; r < H * S; r++) Assert.Equal(1.0, w.AsSpan(r * KeyLen, KeyLen).ToArray().Sum(), 12);
    }
}
