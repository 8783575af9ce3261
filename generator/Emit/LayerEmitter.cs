using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// Writes the layer-level entry points built on the core kernel: batches (<c>AttendBatch</c>,
/// <c>SelfAttendBatch</c>), context concatenation (<c>SelfAttendConcat</c>) and attention pooling (<c>Pool</c>).
/// </summary>
/// <remarks>
/// Everything here calls the core <c>Run(q, k, v, output)</c> (or, for <c>Pool</c>, the runtime's
/// <c>KernelPooling.Pool</c>) with the shape's numbers as literals, so it does not depend on how the core kernel
/// is planned. Private members added here: <c>CheckBatch</c>, <c>CheckSelfBatch</c>, <c>RunBatch</c> (listed for AG0010
/// in <c>KernelDeclaration.GeneratedMembers</c>).
/// </remarks>
internal static class LayerEmitter
{
    private const string Ros = "global::System.ReadOnlySpan<float>";
    private const string Span = "global::System.Span<float>";
    private const string Options = "global::System.Threading.Tasks.ParallelOptions";
    private const string Guard = "global::AttentionGen.Runtime.KernelGuard";
    private const string Batch = "global::AttentionGen.Runtime.KernelBatch";

    public static void Write(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
        KernelShape s = spec.Shape;
        WriteBatches(w, spec);
        if (s.SelfAttention)
        {
            WriteConcat(w, s);
        }
        if (s.KvHeads == s.Heads)
        {
            WritePool(w, s);
        }
    }

    // ------------------------------------------------------------------ batches

    private static void WriteBatches(CodeWriter w, KernelSpec spec)
    {
        KernelShape s = spec.Shape;
        string gen = KernelEmitter.GeneratedCodeAttribute;
        string qShape = $"[batch, SeqLen={s.SeqLen}, Dim={s.Dim}]";
        string kvShape = $"[batch, KeyLen={s.KeyLen}, KvDim={s.KvDim}]";
        string qStride = CodeWriter.Int(s.SeqLen * s.Dim);
        string kvStride = CodeWriter.Int(s.KeyLen * s.KvDim);
        const string BatchParam = "/// <param name=\"batch\">Number of consecutive sequences (≥ 1).</param>";
        const string ParallelParam = "/// <param name=\"parallel\">Bounds the threads (<c>MaxDegreeOfParallelism</c>, −1 = every core; the calling thread is one of them) and cancels before any work starts. Work is split over whole sequences when there are at least as many as threads, otherwise over heads or row blocks of each sequence; problems too small to gain from threads stay on the calling thread. Results are bit-identical to the serial call.</param>";
        const string BatchThrows = "/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"batch\"/> is less than 1. Nothing is written.</exception>";
        void ParallelThrows()
        {
            w.Line("/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"parallel\"/> is null. Nothing is written.</exception>");
            w.Line("/// <exception cref=\"global::System.OperationCanceledException\"><paramref name=\"parallel\"/>'s token is cancelled. Nothing is written.</exception>");
        }

        void AttendBatchDocs(bool parallel)
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line($"/// Multi-head attention over <paramref name=\"batch\"/> independent sequences stored one after another: sequence b is <c>Attend(q_b, k_b, v_b, output_b)</c>{(parallel ? ", with the work spread over threads" : "")}.");
            w.Line("/// </summary>");
            w.Line($"/// <param name=\"q\">Queries, row-major {qShape}.</param>");
            w.Line($"/// <param name=\"k\">Keys, row-major {kvShape}.</param>");
            w.Line($"/// <param name=\"v\">Values, row-major {kvShape}.</param>");
            w.Line($"/// <param name=\"output\">Receives {qShape}; must not overlap the inputs.</param>");
            w.Line(BatchParam);
        }

        AttendBatchDocs(parallel: false);
        w.Line(BatchThrows);
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not hold <paramref name=\"batch\"/> sequences, or the output overlaps an input. Nothing is written.</exception>");
        w.Line(gen);
        w.Open($"public static void AttendBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch)");
        w.Line("CheckBatch(q, k, v, output, batch);");
        w.Line("RunBatch(q, k, v, output, batch);");
        w.Close();

        AttendBatchDocs(parallel: true);
        w.Line(ParallelParam);
        w.Line(BatchThrows);
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not hold <paramref name=\"batch\"/> sequences, or the output overlaps an input. Nothing is written.</exception>");
        ParallelThrows();
        w.Line(gen);
        w.Open($"public static void AttendBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch, {Options} parallel)");
        w.Line("CheckBatch(q, k, v, output, batch);");
        w.Line("RunBatch(q, k, v, output, batch, parallel);");
        w.Close();

        if (s.SelfAttention)
        {
            void SelfDocs(bool parallel)
            {
                w.Line();
                w.Line($"/// <summary>Self-attention over <paramref name=\"batch\"/> sequences stored one after another: <c>AttendBatch(x, x, x, output, batch{(parallel ? ", parallel" : "")})</c>.</summary>");
                w.Line($"/// <param name=\"x\">The sequences, row-major {qShape}.</param>");
                w.Line($"/// <param name=\"output\">Receives {qShape}; must not overlap <paramref name=\"x\"/>.</param>");
                w.Line(BatchParam);
            }
            SelfDocs(parallel: false);
            w.Line(BatchThrows);
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not hold <paramref name=\"batch\"/> sequences, or the output overlaps the input. Nothing is written.</exception>");
            w.Line(gen);
            w.Open($"public static void SelfAttendBatch({Ros} x, {Span} output, int batch)");
            w.Line("CheckSelfBatch(x, output, batch);");
            w.Line("RunBatch(x, x, x, output, batch);");
            w.Close();

            SelfDocs(parallel: true);
            w.Line(ParallelParam);
            w.Line(BatchThrows);
            w.Line("/// <exception cref=\"global::System.ArgumentException\">A span does not hold <paramref name=\"batch\"/> sequences, or the output overlaps the input. Nothing is written.</exception>");
            ParallelThrows();
            w.Line(gen);
            w.Open($"public static void SelfAttendBatch({Ros} x, {Span} output, int batch, {Options} parallel)");
            w.Line("CheckSelfBatch(x, output, batch);");
            w.Line("RunBatch(x, x, x, output, batch, parallel);");
            w.Close();

            w.Line();
            w.Open($"private static void CheckSelfBatch({Ros} x, {Span} output, int batch)");
            w.Line($"{Batch}.Count(batch);");
            w.Line($"{Batch}.Length(x.Length, batch, {qStride}, nameof(x), \"x is {qShape}\");");
            w.Line($"{Batch}.Length(output.Length, batch, {qStride}, nameof(output), \"output is {qShape}\");");
            w.Line($"{Guard}.NoOverlap(x, output, nameof(x), nameof(output));");
            w.Close();
        }

        w.Line();
        w.Line("// Batch checks: the count, then lengths (in 64 bits: batch × floats per sequence cannot overflow), then aliasing.");
        w.Open($"private static void CheckBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch)");
        w.Line($"{Batch}.Count(batch);");
        w.Line($"{Batch}.Length(q.Length, batch, {qStride}, nameof(q), \"q is {qShape}\");");
        w.Line($"{Batch}.Length(k.Length, batch, {kvStride}, nameof(k), \"k is {kvShape}\");");
        w.Line($"{Batch}.Length(v.Length, batch, {kvStride}, nameof(v), \"v is {kvShape}\");");
        w.Line($"{Batch}.Length(output.Length, batch, {qStride}, nameof(output), \"output is {qShape}\");");
        w.Line($"{Guard}.NoOverlap(q, output, nameof(q), nameof(output));");
        w.Line($"{Guard}.NoOverlap(k, output, nameof(k), nameof(output));");
        w.Line($"{Guard}.NoOverlap(v, output, nameof(v), nameof(output));");
        w.Close();

        w.Line();
        w.Line($"// The serial batch: one core call per sequence ({qStride} floats of q and output, {kvStride} of k and v each).");
        w.Open($"private static void RunBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch)");
        w.Open("for (int b = 0; b < batch; b++)");
        w.Line($"Run(q.Slice(b * {qStride}, {qStride}), k.Slice(b * {kvStride}, {kvStride}), v.Slice(b * {kvStride}, {kvStride}), output.Slice(b * {qStride}, {qStride}));");
        w.Close();
        w.Close();

        w.Line();
        w.Line("// The parallel batch: batch × Flops decides the threads; one thread runs the serial loop.");
        w.Open($"private static void RunBatch({Ros} q, {Ros} k, {Ros} v, {Span} output, int batch, {Options} parallel)");
        w.Line("int parts = global::AttentionGen.Runtime.KernelParallel.Parts(batch * Flops, parallel);");
        w.Open("if (parts == 1)");
        w.Line("RunBatch(q, k, v, output, batch);");
        w.Close();
        w.Open("else");
        w.Line($"global::AttentionGen.Runtime.KernelParallel.RunBatch<{spec.Name}>(q, k, v, output, batch, {qStride}, {kvStride}, parts);");
        w.Close();
        w.Close();
    }

    // ------------------------------------------------------------------ concatenation

    private static void WriteConcat(CodeWriter w, KernelShape s)
    {
        string n = CodeWriter.Int(s.SeqLen * s.Dim);
        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// Self-attention with the input kept beside its context: row i of <paramref name=\"output\"/> is <c>[x_i, c_i]</c> ({2 * s.Dim} floats), where <c>c = SelfAttend(x)</c>.");
        w.Line("/// The form a layer that concatenates each token with its attention context (then projects it) reads.");
        w.Line("/// </summary>");
        w.Line($"/// <param name=\"x\">The sequence, row-major [SeqLen={s.SeqLen}, Dim={s.Dim}].</param>");
        w.Line($"/// <param name=\"output\">Receives [SeqLen={s.SeqLen}, 2·Dim={2 * s.Dim}]: columns [0, Dim) hold x_i, columns [Dim, 2·Dim) the context c_i; must not overlap <paramref name=\"x\"/>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or the output overlaps the input. Nothing is written.</exception>");
        w.Line(KernelEmitter.GeneratedCodeAttribute);
        w.Open($"public static void SelfAttendConcat({Ros} x, {Span} output)");
        w.Line($"{Guard}.Length(x.Length, {n}, nameof(x), \"x is [SeqLen={s.SeqLen}, Dim={s.Dim}]\");");
        w.Line($"{Guard}.Length(output.Length, {CodeWriter.Int(2 * s.SeqLen * s.Dim)}, nameof(output), \"output is [SeqLen={s.SeqLen}, 2·Dim={2 * s.Dim}]\");");
        w.Line($"{Guard}.NoOverlap(x, output, nameof(x), nameof(output));");
        w.Line("// The contexts go to the front half, then rows spread out from the last to the first: row i's context");
        w.Line("// moves from [i·Dim, (i+1)·Dim) to [(2i+1)·Dim, (2i+2)·Dim), which no row below i still needs, then x_i fills [2i·Dim, (2i+1)·Dim).");
        w.Line($"Run(x, x, x, output.Slice(0, {n}));");
        w.Open("for (int i = SeqLen - 1; i >= 0; i--)");
        w.Line("output.Slice(i * Dim, Dim).CopyTo(output.Slice((2 * i + 1) * Dim, Dim));");
        w.Line("x.Slice(i * Dim, Dim).CopyTo(output.Slice(2 * i * Dim, Dim));");
        w.Close();
        w.Close();
    }

    // ------------------------------------------------------------------ pooling

    private static void WritePool(CodeWriter w, KernelShape s)
    {
        string gen = KernelEmitter.GeneratedCodeAttribute;
        string n = CodeWriter.Int(s.SeqLen * s.Dim);
        string softcap = s.Softcap > 0 ? CodeWriter.Float(s.Softcap) : "0f";
        string score = s.Softcap > 0
            ? $"<c>s_j = {CodeWriter.Float(s.Softcap)}·tanh(Scale·q_h·x_(j,h) / {CodeWriter.Float(s.Softcap)})</c> (the softcap)"
            : "<c>s_j = Scale·q_h·x_(j,h)</c>";
        string masking = s.Causal || s.HasWindow
            ? " Pooling has one query, so the kernel's causal mask and window do not apply: every pooled row is seen."
            : "";

        void PoolDocs(bool valid)
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line($"/// Attention pooling: a learned query attends over the {(valid ? "first <paramref name=\"validRows\"/> rows" : "rows")} of <paramref name=\"x\"/> and returns one [Dim={s.Dim}] vector, as a hierarchical attention network turns words into a sentence vector and sentences into a document vector.");
            w.Line($"/// For each head h: {score}, <c>p = softmax_j(s)</c> (numerically stable), <c>output_h = Σ_j p_j·x_(j,h)</c>; x is both the keys and the values.{masking}");
            w.Line("/// </summary>");
            w.Line($"/// <param name=\"x\">The sequence, row-major [SeqLen={s.SeqLen}, Dim={s.Dim}].{(valid ? " Rows at or after <paramref name=\"validRows\"/> (padding) are never read." : "")}</param>");
            w.Line($"/// <param name=\"query\">The pooling query, [Dim={s.Dim}]: head h's query is columns [h·HeadDim, (h+1)·HeadDim).</param>");
            w.Line($"/// <param name=\"output\">Receives [Dim={s.Dim}]; must not overlap the inputs.</param>");
        }

        PoolDocs(valid: false);
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or the output overlaps an input. Nothing is written.</exception>");
        w.Line(gen);
        w.Open($"public static void Pool({Ros} x, {Ros} query, {Span} output)");
        WritePoolChecks(w, s, n);
        w.Line($"global::AttentionGen.Runtime.KernelPooling.Pool(x, query, output, SeqLen, Dim, Heads, Scale, {softcap});");
        w.Close();

        PoolDocs(valid: true);
        w.Line($"/// <param name=\"validRows\">How many leading rows of <paramref name=\"x\"/> to pool over, 1 to SeqLen={s.SeqLen} (a shorter sentence in a padded buffer).</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"validRows\"/> is less than 1 or more than SeqLen. Nothing is written.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or the output overlaps an input. Nothing is written.</exception>");
        w.Line(gen);
        w.Open($"public static void Pool({Ros} x, {Ros} query, {Span} output, int validRows)");
        WritePoolChecks(w, s, n);
        w.Line("global::AttentionGen.Runtime.KernelPooling.ValidRows(validRows, SeqLen);");
        w.Line($"global::AttentionGen.Runtime.KernelPooling.Pool(x, query, output, validRows, Dim, Heads, Scale, {softcap});");
        w.Close();
    }

    private static void WritePoolChecks(CodeWriter w, KernelShape s, string n)
    {
        w.Line($"{Guard}.Length(x.Length, {n}, nameof(x), \"x is [SeqLen={s.SeqLen}, Dim={s.Dim}]\");");
        w.Line($"{Guard}.Length(query.Length, Dim, nameof(query), \"query is [Dim={s.Dim}]\");");
        w.Line($"{Guard}.Length(output.Length, Dim, nameof(output), \"output is [Dim={s.Dim}]\");");
        w.Line($"{Guard}.NoOverlap(x, output, nameof(x), nameof(output));");
        w.Line($"{Guard}.NoOverlap(query, output, nameof(query), nameof(output));");
    }
}
