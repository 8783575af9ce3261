using System;
using AttentionGen.Tests.Shared;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>Runs any generated kernel generically through <see cref="IAttentionKernel{TSelf}"/>.</summary>
internal static class KernelHelpers
{
    public static float[] Run<T>(float[] q, float[] k, float[] v) where T : IAttentionKernel<T>
    {
        float[] o = new float[T.SeqLen * T.Dim];
        T.Attend(q, k, v, o);
        return o;
    }

    public static double[] Reference<T>(float[] q, float[] k, float[] v) where T : IAttentionKernel<T>
    {
        double[] r = new double[T.SeqLen * T.Dim];
        AttentionReference.Attend(q, k, v, r, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale, T.Causal);
        return r;
    }

    public static void AssertMatchesReference<T>(int seed) where T : IAttentionKernel<T>
    {
        int n = T.SeqLen * T.Dim;
        float[] q = TestData.Gaussian(seed, n), k = TestData.Gaussian(seed + 1, n), v = TestData.Gaussian(seed + 2, n);
        float[] o = Run<T>(q, k, v);
        double error = TestData.MaxError(o, Reference<T>(q, k, v));
        double bound = TestData.KernelBound(q, k, T.SeqLen, T.SeqLen, T.Dim, T.Heads, T.Scale);
        Assert.True(error <= bound, $"{typeof(T).Name} [{TestData.ActivePath}]: max |error| {error:E3} exceeds {bound:E3}");
    }
}
