using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// Writes <c>Forward</c> (when <c>Projections = true</c>): the Q/K/V projections, multi-head attention and the output
/// projection of a whole attention layer, as shape-specialised register-tiled GEMMs around the core kernel.
/// </summary>
internal static class ProjectionEmitter
{
    public static void Write(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
    }
}
