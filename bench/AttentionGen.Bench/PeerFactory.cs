using System;
using System.Runtime.Intrinsics;
using AttentionGen.Bench.Peers;

namespace AttentionGen.Bench;

/// <summary>Creates the peers by name, so --check and the benchmark setups build them the same way.</summary>
public static class PeerFactory
{
    public static readonly string[] All =
    [
        "Generated", "Generated2T", "Naive", "TensorPrimitives", "RuntimeTiled", "RuntimeTiledV256", "RuntimeTiledScalar",
        "OrtAttention1T", "OrtMha1T", "OrtAttention2T", "OrtMha2T",
    ];

    public static IAttentionPeer Create(string name, Shape shape, bool causal, float? scale = null)
    {
        int h = shape.Heads, s = shape.SeqLen, dh = shape.HeadDim;
        return name switch
        {
            "Generated" when scale is null => Generated.GeneratedKernels.Create(shape, causal),
            "Generated2T" when scale is null => Generated.GeneratedKernels.Create(shape, causal, threads: 2),
            "Naive" => new NaiveAttention(h, s, dh, causal, scale),
            "TensorPrimitives" => new TensorPrimitivesAttention(h, s, dh, causal, scale),
            "RuntimeTiled" => new RuntimeTiledAttention(h, s, dh, causal, scale),
            "RuntimeTiledV256" => Vector256.IsHardwareAccelerated
                ? new RuntimeTiledAttention(h, s, dh, causal, scale, TiledPath.Vector256)
                : throw new PlatformNotSupportedException("Vector256 is not hardware accelerated"),
            "RuntimeTiledScalar" => new RuntimeTiledAttention(h, s, dh, causal, scale, TiledPath.Scalar),
            "OrtAttention1T" => new OrtPeer(OrtOp.Attention, h, s, dh, causal, 1, scale),
            "OrtMha1T" => new OrtPeer(OrtOp.MultiHeadAttention, h, s, dh, causal, 1, scale),
            "OrtAttention2T" => new OrtPeer(OrtOp.Attention, h, s, dh, causal, 2, scale),
            "OrtMha2T" => new OrtPeer(OrtOp.MultiHeadAttention, h, s, dh, causal, 2, scale),
            _ => throw new ArgumentException($"Unknown peer '{name}'", nameof(name)),
        };
    }

    /// <summary>
    /// Runs <paramref name="peer"/> once on the inputs and returns the max abs difference to the float64 reference.
    /// The output buffer is pre-filled with NaN so that unwritten elements are caught.
    /// </summary>
    public static double MaxAbsDiff(IAttentionPeer peer, AttentionInputs inputs, double[] reference, float[] output)
    {
        output.AsSpan().Fill(float.NaN);
        peer.Run(inputs.Q, inputs.K, inputs.V, output);
        return Reference.MaxAbsDiff(output, reference);
    }
}
