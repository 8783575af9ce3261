using System;

namespace AttentionGen.Bench;

/// <summary>The float64 reference every peer is checked against, and the distance to it.</summary>
public static class Reference
{
    /// <summary>
    /// The float64 reference for a benchmark shape: the runtime's <see cref="AttentionReference"/> (one reference for
    /// the tests, the samples and the bench). The default scale is the float 1/√dh the kernels and peers use.
    /// </summary>
    public static double[] Compute(Shape shape, float[] q, float[] k, float[] v, bool causal, double? scale = null)
    {
        var o = new double[shape.Elements];
        AttentionReference.Attend(q, k, v, o, shape.SeqLen, shape.SeqLen, shape.Dim, shape.Heads,
            scale ?? shape.DefaultScale, causal);
        return o;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> actual, double[] expected)
    {
        if (actual.Length < expected.Length)
        {
            throw new ArgumentException("actual is shorter than expected");
        }

        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(diff))
            {
                return double.NaN;
            }

            worst = Math.Max(worst, diff);
        }

        return worst;
    }
}

/// <summary>Deterministic N(0,1) inputs (Box-Muller over System.Random with a fixed seed).</summary>
public sealed class AttentionInputs
{
    public const int DefaultSeed = 20261122;

    public AttentionInputs(Shape shape, int seed = DefaultSeed)
    {
        Shape = shape;
        var rng = new Random(seed);
        Q = Normal(rng, shape.Elements);
        K = Normal(rng, shape.Elements);
        V = Normal(rng, shape.Elements);
    }

    public Shape Shape { get; }

    public float[] Q { get; }

    public float[] K { get; }

    public float[] V { get; }

    private static float[] Normal(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(); // (0, 1]
            double u2 = rng.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            a[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < n)
            {
                a[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }

        return a;
    }
}
