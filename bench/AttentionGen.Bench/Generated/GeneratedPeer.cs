using System;
using AttentionGen;

namespace AttentionGen.Bench.Generated;

/// <summary>A generated kernel behind the common peer interface.</summary>
public sealed class GeneratedPeer<TKernel>(int threads = 1) : IAttentionPeer where TKernel : IAttentionKernel<TKernel>
{
    private readonly System.Threading.Tasks.ParallelOptions _parallel = new() { MaxDegreeOfParallelism = threads };

    public string Name => $"Generated{(threads > 1 ? threads + "T" : "")}:" + typeof(TKernel).Name;

    public void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        if (threads == 1) TKernel.Attend(q, k, v, output);
        else TKernel.Attend(q, k, v, output, _parallel);
    }

    public void Dispose() { }
}

/// <summary>Picks the generated kernel for a benchmark shape.</summary>
public static class GeneratedKernels
{
    public static IAttentionPeer Create(Shape shape, bool causal, int threads = 1) => (shape.Name, causal) switch
    {
        ("H1-S16-d64", false) => new GeneratedPeer<H1_S16_D64>(threads),
        ("H1-S16-d64", true) => new GeneratedPeer<H1_S16_D64_Causal>(threads),
        ("H8-S32-d8", false) => new GeneratedPeer<H8_S32_D8>(threads),
        ("H8-S32-d8", true) => new GeneratedPeer<H8_S32_D8_Causal>(threads),
        ("H4-S64-d32", false) => new GeneratedPeer<H4_S64_D32>(threads),
        ("H4-S64-d32", true) => new GeneratedPeer<H4_S64_D32_Causal>(threads),
        ("H12-S128-d64", false) => new GeneratedPeer<H12_S128_D64>(threads),
        ("H12-S128-d64", true) => new GeneratedPeer<H12_S128_D64_Causal>(threads),
        ("H8-S512-d64", false) => new GeneratedPeer<H8_S512_D64>(threads),
        ("H8-S512-d64", true) => new GeneratedPeer<H8_S512_D64_Causal>(threads),
        ("H1-S2048-d64", false) => new GeneratedPeer<H1_S2048_D64>(threads),
        ("H1-S2048-d64", true) => new GeneratedPeer<H1_S2048_D64_Causal>(threads),
        _ => throw new ArgumentException($"no generated kernel declared for {shape.Name} causal={causal}; add it to Generated/Kernels.cs"),
    };
}
