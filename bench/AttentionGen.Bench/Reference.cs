using System;

namespace AttentionGen.Bench;

/// <summary>Float64 reference attention (double accumulation, Math.Exp) used to check every peer.</summary>
public static class Reference
{
    public static double[] Compute(Shape shape, float[] q, float[] k, float[] v, bool causal, double? scale = null)
    {
        int s = shape.SeqLen, dim = shape.Dim, dh = shape.HeadDim;
        double sc = scale ?? 1.0 / Math.Sqrt(dh);
        var o = new double[shape.Elements];
        var scores = new double[s];
        for (int h = 0; h < shape.Heads; h++)
        {
            int c0 = h * dh;
            for (int i = 0; i < s; i++)
            {
                int n = causal ? i + 1 : s;
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < dh; d++)
                    {
                        dot += (double)q[i * dim + c0 + d] * k[j * dim + c0 + d];
                    }

                    scores[j] = dot * sc;
                    max = Math.Max(max, scores[j]);
                }

                double sum = 0;
                for (int j = 0; j < n; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    sum += scores[j];
                }

                for (int d = 0; d < dh; d++)
                {
                    double acc = 0;
                    for (int j = 0; j < n; j++)
                    {
                        acc += scores[j] * v[j * dim + c0 + d];
                    }

                    o[i * dim + c0 + d] = acc / sum;
                }
            }
        }

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
