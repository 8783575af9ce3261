using System;
using System.Collections.Generic;

namespace AttentionGen.Bench;

/// <summary>One attention problem size: H heads of head dim dh over a sequence of S tokens (Dim = H * dh).</summary>
public sealed record Shape(string Name, int Heads, int SeqLen, int HeadDim)
{
    /// <summary>Row width of Q, K, V and O (all heads side by side).</summary>
    public int Dim => Heads * HeadDim;

    /// <summary>Floats in one [S, Dim] matrix.</summary>
    public int Elements => SeqLen * Dim;

    /// <summary>FLOPs per call as counted in PEERS.md: 4 * H * S^2 * dh (QK^T plus PV; causal uses the same count).</summary>
    public double Flops => 4.0 * Heads * SeqLen * (double)SeqLen * HeadDim;

    /// <summary>Default softmax scale 1/sqrt(dh).</summary>
    public float DefaultScale => 1f / MathF.Sqrt(HeadDim);

    public override string ToString() => Name;
}

/// <summary>The single shape table used by --check and by every benchmark class (PEERS.md shapes).</summary>
public static class Shapes
{
    public static readonly Shape[] All =
    [
        new("H1-S16-d64", 1, 16, 64),
        new("H8-S32-d8", 8, 32, 8),
        new("H4-S64-d32", 4, 64, 32),
        new("H12-S128-d64", 12, 128, 64),
        new("H8-S512-d64", 8, 512, 64),
        new("H1-S2048-d64", 1, 2048, 64),
    ];

    /// <summary>
    /// Extra shapes used only by --check: they exercise the tails (S not a multiple of the 4-row block, dh not a
    /// multiple of the vector width, causal blocks that straddle panels).
    /// </summary>
    public static readonly Shape[] TailChecks =
    [
        new("H3-S37-d20", 3, 37, 20),
        new("H2-S5-d13", 2, 5, 13),
        new("H1-S1-d3", 1, 1, 3),
        new("H2-S70-d96", 2, 70, 96),
        new("H1-S33-d50", 1, 33, 50),
    ];

    /// <summary>Shape names, for BenchmarkDotNet [ParamsSource].</summary>
    public static IEnumerable<string> Names
    {
        get
        {
            foreach (Shape s in All)
            {
                yield return s.Name;
            }
        }
    }

    public static Shape Get(string name)
    {
        foreach (Shape s in All)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }

        throw new ArgumentException($"Unknown shape '{name}'. Known: {string.Join(", ", Names)}", nameof(name));
    }
}
