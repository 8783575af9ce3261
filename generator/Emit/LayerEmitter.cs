using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// Writes the layer-level entry points built on the core kernel: batches (<c>AttendBatch</c>,
/// <c>SelfAttendBatch</c>), context concatenation (<c>SelfAttendConcat</c>) and attention pooling (<c>Pool</c>).
/// </summary>
/// <remarks>
/// Each entry point is one line that forwards to the runtime (<c>KernelLayers</c>, <c>KernelPooling</c>) with the
/// shape's numbers as literals and the struct as a type argument: the runtime validates, and computes each sequence
/// with the kernel's own units run serially (<c>KernelParallel.RunSerial</c>), so batches are bit-identical to single calls.
/// That keeps these members to a few lines of the file (the line budget is shared with the core paths) and makes
/// them independent of how the core kernel is planned. No private members are added.
/// </remarks>
internal static class LayerEmitter
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Options = "global::System.Threading.Tasks.ParallelOptions";
    private const string Layers = "global::AttentionGen.Runtime.KernelLayers";

    public static void Write(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
        KernelShape s = spec.Shape;
        string gen = KernelEmitter.GeneratedCodeAttribute;
        string qShape = $"[batch, SeqLen={s.SeqLen}, Dim={s.Dim}]";
        string kvShape = $"[batch, KeyLen={s.KeyLen}, KvDim={s.KvDim}]";
        string shape = $"{s.SeqLen}, {s.Dim}, {s.KeyLen}, {s.KvDim}";
        const string BatchParam = "/// <param name=\"batch\">Number of consecutive sequences (≥ 1; checked, like every length, before anything is written).</param>";
        const string ParallelParam = "/// <param name=\"parallel\">Bounds the threads (<c>MaxDegreeOfParallelism</c>, −1 = every core, the caller included); work is split over whole sequences, or over heads and row blocks when there are fewer sequences than threads; small problems stay on the calling thread.</param>";

        void AttendBatch(bool parallel)
        {
            w.Line();
            w.Line($"/// <summary>Multi-head attention over <paramref name=\"batch\"/> sequences stored one after another (sequence b is <c>Attend(q_b, k_b, v_b, output_b)</c>){(parallel ? " on several threads" : "")}; bit-identical to single calls.</summary>");
            w.Line($"/// <param name=\"q\">Queries, row-major {qShape}.</param>");
            w.Line($"/// <param name=\"k\">Keys, row-major {kvShape}.</param>");
            w.Line($"/// <param name=\"v\">Values, row-major {kvShape}.</param>");
            w.Line($"/// <param name=\"output\">Receives {qShape}; must not overlap the inputs.</param>");
            w.Line(BatchParam);
            if (parallel)
            {
                w.Line(ParallelParam);
            }
            w.Line(gen);
            w.Line($"public static void AttendBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch{(parallel ? $", {Options} parallel" : "")}) =>");
            w.Line($"    {Layers}.AttendBatch<{spec.Name}>(q, k, v, output, batch, {shape}{(parallel ? ", Flops, parallel" : "")});");
        }

        void SelfAttendBatch(bool parallel)
        {
            w.Line();
            w.Line($"/// <summary>Self-attention over <paramref name=\"batch\"/> sequences stored one after another: <c>AttendBatch(x, x, x, output, batch{(parallel ? ", parallel" : "")})</c>.</summary>");
            w.Line($"/// <param name=\"x\">The sequences, row-major {qShape}.</param>");
            w.Line($"/// <param name=\"output\">Receives {qShape}; must not overlap <paramref name=\"x\"/>.</param>");
            w.Line(BatchParam);
            if (parallel)
            {
                w.Line(ParallelParam);
            }
            w.Line(gen);
            w.Line($"public static void SelfAttendBatch({Ros} x, {Span} output, int batch{(parallel ? $", {Options} parallel" : "")}) =>");
            w.Line($"    {Layers}.SelfAttendBatch<{spec.Name}>(x, output, batch, {s.SeqLen}, {s.Dim}{(parallel ? ", Flops, parallel" : "")});");
        }

        AttendBatch(parallel: false);
        AttendBatch(parallel: true);
        if (s.SelfAttention)
        {
            SelfAttendBatch(parallel: false);
            SelfAttendBatch(parallel: true);

            w.Line();
            w.Line($"/// <summary>Self-attention with each row kept beside its context: row i of <paramref name=\"output\"/> is <c>[x_i, c_i]</c>, <c>c = SelfAttend(x)</c>.</summary>");
            w.Line($"/// <param name=\"x\">The sequence, row-major [SeqLen={s.SeqLen}, Dim={s.Dim}].</param>");
            w.Line($"/// <param name=\"output\">Receives [SeqLen={s.SeqLen}, 2·Dim={2 * s.Dim}] (x_i in columns [0, Dim), c_i in [Dim, 2·Dim)); must not overlap <paramref name=\"x\"/>.</param>");
            w.Line(gen);
            w.Line($"public static void SelfAttendConcat({Ros} x, {Span} output) =>");
            w.Line($"    {Layers}.SelfAttendConcat<{spec.Name}>(x, output, {s.SeqLen}, {s.Dim});");
        }
        if (s.KvHeads == s.Heads)
        {
            WritePool(w, s, validRows: false);
            WritePool(w, s, validRows: true);
        }
    }

    private static void WritePool(CodeWriter w, KernelShape s, bool validRows)
    {
        string score = s.Softcap > 0 ? $"s_j = {CodeWriter.Float(s.Softcap)}·tanh(Scale·q_h·x_j,h / {CodeWriter.Float(s.Softcap)})" : "s_j = Scale·q_h·x_j,h";
        string rows = validRows ? "the first <paramref name=\"validRows\"/> rows" : "the rows";
        w.Line();
        w.Line($"/// <summary>Attention pooling: per head h, <c>{score}</c>, <c>output_h = Σ_j softmax(s)_j·x_j,h</c> over {rows} of <paramref name=\"x\"/>{(s.Causal || s.HasWindow ? " (one query: no causal mask or window)" : "")}.</summary>");
        w.Line($"/// <param name=\"x\">The sequence, row-major [SeqLen={s.SeqLen}, Dim={s.Dim}]: both keys and values.</param>");
        w.Line($"/// <param name=\"query\">The learned query, [Dim={s.Dim}]; head h's query is its columns [h·HeadDim, (h+1)·HeadDim).</param>");
        w.Line($"/// <param name=\"output\">Receives [Dim={s.Dim}]; must not overlap the inputs.</param>");
        if (validRows)
        {
            w.Line($"/// <param name=\"validRows\">Rows to pool over, 1 to {s.SeqLen} (checked); rows from validRows on are never read.</param>");
        }
        w.Line(KernelEmitter.GeneratedCodeAttribute);
        w.Line($"public static void Pool({Ros} x, {Ros} query, {Span} output{(validRows ? ", int validRows" : "")}) =>");
        w.Line($"    global::AttentionGen.Runtime.KernelPooling.Pool(x, query, output, {(validRows ? "validRows" : s.SeqLen.ToString(System.Globalization.CultureInfo.InvariantCulture))}, {s.SeqLen}, {s.Dim}, {s.Heads}, Scale, {(s.Softcap > 0 ? CodeWriter.Float(s.Softcap) : "0f")});");
    }
}
