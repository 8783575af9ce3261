using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// Writes the layer-level entry points built on the core kernel: batches (<c>AttendBatch</c>,
/// <c>SelfAttendBatch</c>), context concatenation (<c>SelfAttendConcat</c>) and attention pooling (<c>Pool</c>).
/// </summary>
internal static class LayerEmitter
{
    public static void Write(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
    }
}
