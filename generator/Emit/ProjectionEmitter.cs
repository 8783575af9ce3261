using System.Collections.Generic;
using System.Linq;
using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// Writes <c>Forward</c> (when <c>Projections = true</c>): the Q/K/V projections, multi-head attention and the output
/// projection of a whole attention layer, as shape-specialised register-tiled GEMMs around the core kernel.
/// </summary>
/// <remarks>
/// Each projection is <c>C[M, N] = A[M, K]·W[K, N] + b</c> with W row-major <c>[in, out]</c>, which is already
/// contiguous along N: a tile of R rows × V vectors of N keeps R·V accumulators in registers, and every step over K
/// loads V vectors of one row of W and broadcasts one element of each row of A. No packing. M, K and N are literals in
/// the emitted code; the loop over K is unrolled by <see cref="KUnroll"/> (never fully: K can be 16,384), the columns
/// that do not fill a tile of V vectors use a narrower tile, the last N mod lanes columns the scalar helper, and the
/// last M mod R rows a one-row tile. The bias is added in the epilogue.
/// </remarks>
internal static class ProjectionEmitter
{
    /// <summary>Steps over K per loop iteration of a tile.</summary>
    internal const int KUnroll = 4;

    private const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    private const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";

    /// <summary>Register tile of one vector width: rows of A × vectors of N.</summary>
    internal sealed record Tiling(int Lanes, int Rows, int Vectors)
    {
        public string Name => Lanes == 16 ? "Vector512" : "Vector256";
        public string Static => "global::System.Runtime.Intrinsics." + Name;
        public string Type => Static + "<float>";
    }

    /// <summary>
    /// Vector512 (32 registers): 6 rows × 4 vectors = 24 accumulators + 4 weight vectors + 1 broadcast.
    /// Vector256 (16 registers on AVX2): 6 rows × 2 vectors = 12 accumulators + 2 + 1.
    /// </summary>
    internal static readonly Tiling[] Tilings = { new(16, 6, 4), new(8, 6, 2) };

    /// <summary>One projection shape: C[M, N] = A[M, K]·W[K, N] + b.</summary>
    internal sealed record Gemm(int M, int K, int N)
    {
        public string Name => $"Project{M}x{K}x{N}";
    }

    public static void Write(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
        KernelShape s = spec.Shape;
        if (!s.Projections)
        {
            return;
        }

        string ros = "global::System.ReadOnlySpan<float>";
        string span = "global::System.Span<float>";
        string guard = "global::AttentionGen.Runtime.KernelGuard";
        string weightsType = "global::AttentionGen.AttentionWeights";
        string gen = KernelEmitter.GeneratedCodeAttribute;
        string xShape = $"[SeqLen={s.SeqLen}, Dim={s.Dim}]";
        string srcShape = $"[KeyLen={s.KeyLen}, Dim={s.Dim}]";
        string kvNote = s.KvDim == s.Dim ? "" : $" (grouped-query attention: KvDim = {s.KvDim})";
        string layerDoc = "/// <c>Q = x·W_Q + b_Q</c>, <c>K = s·W_K + b_K</c>, <c>V = s·W_V + b_V</c>, the kernel's multi-head attention <c>C</c> of Q, K, V, then <c>output = C·W_O + b_O</c>";
        const string ThrowsDoc = "/// <exception cref=\"global::System.ArgumentNullException\"><paramref name=\"weights\"/> is null.</exception>\n"
            + "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, the weights are for another Dim or KvDim, or the output overlaps an input. Nothing is written.</exception>";

        string options = "global::System.Threading.Tasks.ParallelOptions";
        const string ParallelDoc = "/// <param name=\"parallel\">Bounds the threads (<c>MaxDegreeOfParallelism</c>, −1 for every core) and can cancel the call before it starts. Each projection is cut into strips of output columns and the attention into heads × row blocks, shared by the calling thread and pool threads; the result is bit-identical to the serial call. Layers too small to pay for a hand-off stay on the calling thread.</param>";
        const string ParallelThrowsDoc = "/// <exception cref=\"global::System.OperationCanceledException\"><paramref name=\"parallel\"/>'s token is cancelled. Nothing is written.</exception>";
        const string PartsLine = "global::AttentionGen.Runtime.KernelParallel.Parts(ProjectionPath.QFlops, parallel), global::AttentionGen.Runtime.KernelParallel.Parts(ProjectionPath.KvFlops, parallel), global::AttentionGen.Runtime.KernelParallel.Parts(Flops, parallel)";

        // The end of an entry point's doc comment (the options, the exceptions) and its attribute.
        void DocTail(bool parallel)
        {
            if (parallel) w.Line(ParallelDoc);
            foreach (string line in ThrowsDoc.Split('\n'))
            {
                w.Line(parallel ? line.Replace("<paramref name=\"weights\"/> is null.", "<paramref name=\"weights\"/> or <paramref name=\"parallel\"/> is null.") : line);
            }
            if (parallel) w.Line(ParallelThrowsDoc);
            w.Line(gen);
        }

        if (s.KeyLen == s.SeqLen)
        {
            foreach (bool parallel in new[] { false, true })
            {
                w.Line("/// <summary>");
                w.Line("/// The whole self-attention layer: with <c>s = x</c>,");
                w.Line(layerDoc + (parallel ? ", on up to <c>parallel.MaxDegreeOfParallelism</c> threads." : "."));
                w.Line("/// </summary>");
                w.Line($"/// <param name=\"x\">The sequence, row-major {xShape}.</param>");
                w.Line($"/// <param name=\"weights\">The layer's projections{kvNote}; <c>y = x·W + b</c> with W row-major [in, out] (see <see cref=\"global::AttentionGen.AttentionWeights\"/>).</param>");
                w.Line($"/// <param name=\"output\">Receives {xShape}; must not overlap <paramref name=\"x\"/>.</param>");
                DocTail(parallel);
                w.Open($"public static void Forward({ros} x, {weightsType} weights, {span} output{(parallel ? $", {options} parallel" : "")})");
                w.Line($"{guard}.Length(x.Length, SeqLen * Dim, nameof(x), \"x is {xShape}\");");
                w.Line($"{guard}.Length(output.Length, SeqLen * Dim, nameof(output), \"output is {xShape}\");");
                w.Line("ProjectionPath.CheckWeights(weights);");
                w.Line($"{guard}.NoOverlap(x, output, nameof(x), nameof(output));");
                w.Line($"ProjectionPath.Forward(x, x, weights, output, {(parallel ? PartsLine : "1, 1, 1")});");
                w.Close();
                w.Line();
            }
        }

        foreach (bool parallel in new[] { false, true })
        {
            w.Line("/// <summary>");
            w.Line("/// The whole cross-attention layer: queries from <paramref name=\"x\"/>, keys and values from <paramref name=\"keyValueSource\"/> (<c>s</c>):");
            w.Line(layerDoc + (parallel ? ", on up to <c>parallel.MaxDegreeOfParallelism</c> threads." : "."));
            w.Line("/// </summary>");
            w.Line($"/// <param name=\"x\">The query sequence, row-major {xShape}.</param>");
            w.Line($"/// <param name=\"keyValueSource\">The key/value source sequence, row-major {srcShape} (e.g. the encoder's output); may be <paramref name=\"x\"/> itself.</param>");
            w.Line($"/// <param name=\"weights\">The layer's projections{kvNote}; <c>y = x·W + b</c> with W row-major [in, out] (see <see cref=\"global::AttentionGen.AttentionWeights\"/>).</param>");
            w.Line($"/// <param name=\"output\">Receives {xShape}; must not overlap the inputs.</param>");
            DocTail(parallel);
            w.Open($"public static void Forward({ros} x, {ros} keyValueSource, {weightsType} weights, {span} output{(parallel ? $", {options} parallel" : "")})");
            w.Line($"{guard}.Length(x.Length, SeqLen * Dim, nameof(x), \"x is {xShape}\");");
            w.Line($"{guard}.Length(keyValueSource.Length, {s.KeyLen * s.Dim}, nameof(keyValueSource), \"keyValueSource is {srcShape}\");");
            w.Line($"{guard}.Length(output.Length, SeqLen * Dim, nameof(output), \"output is {xShape}\");");
            w.Line("ProjectionPath.CheckWeights(weights);");
            w.Line($"{guard}.NoOverlap(x, output, nameof(x), nameof(output));");
            w.Line($"{guard}.NoOverlap(keyValueSource, output, nameof(keyValueSource), nameof(output));");
            w.Line($"ProjectionPath.Forward(x, keyValueSource, weights, output, {(parallel ? PartsLine : "1, 1, 1")});");
            w.Close();
            w.Line();
        }

        WriteProjectionPath(w, spec, facts);
    }

    /// <summary>The projection GEMMs of one kernel: the two shapes (queries and output; keys and values), deduplicated.</summary>
    internal static List<Gemm> Gemms(KernelShape s)
    {
        var list = new List<Gemm> { new(s.SeqLen, s.Dim, s.Dim) };
        var kv = new Gemm(s.KeyLen, s.Dim, s.KvDim);
        if (!list.Contains(kv)) list.Add(kv);
        return list;
    }

    private static void WriteProjectionPath(CodeWriter w, KernelSpec spec, CompilationFacts facts)
    {
        KernelShape s = spec.Shape;
        string gen = KernelEmitter.GeneratedCodeAttribute;
        int qFloats = s.SeqLen * s.Dim, kvFloats = s.KeyLen * s.KvDim;
        Gemm q = new(s.SeqLen, s.Dim, s.Dim), kv = new(s.KeyLen, s.Dim, s.KvDim);

        w.Line($"/// <summary>The layer around the kernel: projections as register-tiled GEMMs (C[M, N] = A[M, K]·W[K, N] + b, W row-major [in, out]).</summary>");
        w.Line(gen);
        w.Open("private static class ProjectionPath");
        w.Line($"private const int QFloats = {qFloats};    // Q and the attention context: [SeqLen={s.SeqLen}, Dim={s.Dim}]");
        w.Line($"private const int KvFloats = {kvFloats};   // K and V: [KeyLen={s.KeyLen}, KvDim={s.KvDim}]");
        w.Line();

        w.Open("public static void CheckWeights(global::AttentionGen.AttentionWeights weights)");
        w.Open("if (weights is null)");
        w.Line("throw new global::System.ArgumentNullException(nameof(weights));");
        w.Close();
        w.Open($"if (weights.Dim != {s.Dim} || weights.KvDim != {s.KvDim})");
        w.Line($"throw new global::System.ArgumentException($\"'weights' are for Dim={{weights.Dim}}, KvDim={{weights.KvDim}} but this kernel needs Dim={s.Dim}, KvDim={s.KvDim} (W_Q [{s.Dim}, {s.Dim}], W_K and W_V [{s.Dim}, {s.KvDim}], W_O [{s.Dim}, {s.Dim}]).\", nameof(weights));");
        w.Close();
        w.Close();
        w.Line();

        string v512 = facts.HasCrossPlatformFma ? "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated" : "global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported";
        string v256 = facts.HasCrossPlatformFma ? "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated" : "(global::System.Runtime.Intrinsics.X86.Fma.IsSupported && global::System.Runtime.Intrinsics.X86.Avx2.IsSupported)";
        string R(string spanExpr) => $"ref {Marshal}.GetReference({spanExpr})";
        static string Flops(Gemm g) => (2.0 * g.M * g.K * g.N).ToString("0.###E+0", System.Globalization.CultureInfo.InvariantCulture);

        w.Line($"// Multiply-adds × 2 of one projection, to decide how many threads pay off: Q and the output [{q.M}, {q.K}]·[{q.K}, {q.N}], K and V [{kv.M}, {kv.K}]·[{kv.K}, {kv.N}].");
        w.Line($"public const double QFlops = {Flops(q)};");
        w.Line($"public const double KvFlops = {Flops(kv)};");
        w.Line();
        w.Line("// Q, K, V and the context live in this thread's projection scratch (not KernelScratch, which Run uses).");
        w.Line("// parts: threads for the projections of Q and the output, of K and V, and for the attention (1: this thread only).");
        w.Line(gen);
        w.Open("public static void Forward(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> source, global::AttentionGen.AttentionWeights weights, global::System.Span<float> output, int qParts, int kvParts, int attentionParts)");
        w.Line("ref float scratch = ref global::AttentionGen.Runtime.ProjectionScratch.Get(2 * QFloats + 2 * KvFloats);");
        w.Line("global::System.Span<float> q = " + Marshal + ".CreateSpan(ref scratch, QFloats);");
        w.Line("global::System.Span<float> k = " + Marshal + $".CreateSpan(ref {Unsafe}.Add(ref scratch, QFloats), KvFloats);");
        w.Line("global::System.Span<float> v = " + Marshal + $".CreateSpan(ref {Unsafe}.Add(ref scratch, QFloats + KvFloats), KvFloats);");
        w.Line("global::System.Span<float> context = " + Marshal + $".CreateSpan(ref {Unsafe}.Add(ref scratch, QFloats + 2 * KvFloats), QFloats);");
        w.Line($"Project<{q.Name}Units>(x, W(weights, global::AttentionGen.AttentionWeights.QueryMatrix, weights.QueryWeight), weights.QueryBias, q, qParts);");
        w.Line($"Project<{kv.Name}Units>(source, W(weights, global::AttentionGen.AttentionWeights.KeyMatrix, weights.KeyWeight), weights.KeyBias, k, kvParts);");
        w.Line($"Project<{kv.Name}Units>(source, W(weights, global::AttentionGen.AttentionWeights.ValueMatrix, weights.ValueWeight), weights.ValueBias, v, kvParts);");
        w.Open("if (attentionParts < 2)");
        w.Line($"{spec.Name}.Run(q, k, v, context);");
        w.Close();
        w.Open("else");
        w.Line($"global::AttentionGen.Runtime.KernelParallel.Run<{spec.Name}>(q, k, v, context, attentionParts);");
        w.Close();
        w.Line($"Project<{q.Name}Units>(context, W(weights, global::AttentionGen.AttentionWeights.OutputMatrix, weights.OutputWeight), weights.OutputBias, output, qParts);");
        w.Close();
        w.Line();

        w.Line("// W as the path this process runs reads it: column panels as wide as its tiles (packed once per AttentionWeights), or the matrix itself on the scalar path.");
        w.Line($"private static global::System.ReadOnlySpan<float> W(global::AttentionGen.AttentionWeights weights, int matrix, global::System.ReadOnlySpan<float> matrixItself) => {v512} ? weights.Panels(matrix, {Tilings[0].Lanes * Tilings[0].Vectors}) : {v256} ? weights.Panels(matrix, {Tilings[1].Lanes * Tilings[1].Vectors}) : matrixItself;");
        w.Line();

        w.Line("// C = A·W + b on this thread, or its units (strips of columns) shared by up to parts threads: the same tiles either way, so bit-identical.");
        w.Open("private static void Project<TUnits>(global::System.ReadOnlySpan<float> a, global::System.ReadOnlySpan<float> w, global::System.ReadOnlySpan<float> b, global::System.Span<float> c, int parts) where TUnits : global::AttentionGen.Runtime.IKernelUnits<TUnits>");
        w.Open("if (parts < 2)");
        w.Line("int state = -1;");
        w.Line($"TUnits.RunUnits({R("a")}, {R("w")}, {R("b")}, {R("c")}, 0, TUnits.WorkUnits, ref state);");
        w.Close();
        w.Open("else");
        w.Line("global::AttentionGen.Runtime.KernelParallel.Run<TUnits>(a, w, b, c, parts);");
        w.Close();
        w.Close();

        foreach (Gemm g in Gemms(s))
        {
            w.Line();
            w.Line($"/// <summary>C[{g.M}, {g.N}] = A[{g.M}, {g.K}]·W[{g.K}, {g.N}] + b as units: strips of columns on the vector paths, rows on the scalar path.</summary>");
            w.Open($"public readonly struct {g.Name}Units : global::AttentionGen.Runtime.IKernelUnits<{g.Name}Units>");
            w.Line($"public static int WorkUnits => {v512} ? Vector512Gemm.{g.Name}Units : {v256} ? Vector256Gemm.{g.Name}Units : {g.M};");
            w.Line();
            w.Open("public static void RunUnits(ref float a, ref float w, ref float b, ref float c, int first, int end, ref int state)");
            w.Open($"if ({v512})");
            w.Line($"Vector512Gemm.{g.Name}(ref a, ref w, ref b, ref c, first, end);");
            w.Close();
            w.Open($"else if ({v256})");
            w.Line($"Vector256Gemm.{g.Name}(ref a, ref w, ref b, ref c, first, end);");
            w.Close();
            w.Open("else");
            w.Line($"global::AttentionGen.Runtime.ProjectionMath.Gemm(ref {Unsafe}.Add(ref a, first * {g.K}), ref w, ref b, ref {Unsafe}.Add(ref c, first * {g.N}), end - first, {g.K}, {g.N}, 0);");
            w.Close();
            w.Close();
            w.Close();
        }

        foreach (Tiling t in Tilings)
        {
            w.Line();
            WriteGemmClass(w, s, t, facts);
        }
        w.Close();
        w.Line();
    }

    private static void WriteGemmClass(CodeWriter w, KernelShape s, Tiling t, CompilationFacts facts)
    {
        w.Line($"/// <summary>The {t.Name} projections: tiles of {t.Rows} rows × {t.Vectors} vectors ({t.Rows * t.Vectors} accumulators).</summary>");
        w.Open($"private static class {t.Name}Gemm");
        var tiles = new List<(int Rows, int Vectors, int K, int N, int WStride)>();
        foreach (Gemm g in Gemms(s))
        {
            WriteDriver(w, g, t, tiles);
        }
        foreach (var tile in tiles.Distinct())
        {
            w.Line();
            WriteTile(w, t, facts, tile.Rows, tile.Vectors, tile.K, tile.N, tile.WStride);
        }
        w.Close();
    }

    private static string TileName(int rows, int vectors, int k, int n, int wStride) => $"Tile{rows}x{vectors}_{k}x{n}_w{wStride}";

    private static void WriteDriver(CodeWriter w, Gemm g, Tiling t, List<(int, int, int, int, int)> tiles)
    {
        int L = t.Lanes, R = t.Rows, V = t.Vectors;
        int blockWidth = V * L;
        int strips = g.N / blockWidth;                      // full tiles of V vectors
        int blocksEnd = strips * blockWidth;                // columns covered by full tiles
        int extraVectors = (g.N - blocksEnd) / L;           // whole vectors left: a narrower tile
        int vectorEnd = blocksEnd + extraVectors * L;
        int scalarColumns = g.N - vectorEnd;                // < L columns: the scalar helper
        int fullRows = g.M / R * R;
        bool tail = blocksEnd < g.N;                        // a last unit for the columns after the full strips
        int units = strips + (tail ? 1 : 0);
        w.Line($"/// <summary>Units of <see cref=\"{g.Name}\"/>: {strips} strip(s) of {blockWidth} columns{(tail ? ", then one for the last " + (g.N - blocksEnd) + " columns" : "")}.</summary>");
        w.Line($"public const int {g.Name}Units = {units};");
        w.Line();
        w.Line($"// C[{g.M}, {g.N}] = A[{g.M}, {g.K}]·W[{g.K}, {g.N}] + b, units first..end-1: unit u < {strips} is columns {blockWidth}·u.. in tiles of {V} vectors"
            + (extraVectors > 0 ? $"; unit {strips} is columns {blocksEnd}..{vectorEnd - 1} in tiles of {extraVectors}" : "")
            + (scalarColumns > 0 ? $"{(extraVectors > 0 ? " and" : $"; unit {strips} is")} the last {scalarColumns} by the scalar helper" : "")
            + $"; rows in blocks of {R}{(fullRows < g.M ? $", the last {g.M - fullRows} in one tile of that many rows" : "")}.");
        w.Line(KernelEmitter.HotAttribute);   // optimised from the first call: tier-0 tiles run ~10× slower for the first ~30 calls
        w.Open($"public static void {g.Name}(ref float a, ref float w, ref float b, ref float c, int first, int end)");

        // w: the first column of the panel (rows wStride apart); n0: the first column of b and C.
        void Columns(int vectors, string wPanel, int wStride, string n0)
        {
            string args(string row) => $"ref {Unsafe}.Add(ref a, {row} * {g.K}), ref {wPanel}, ref {Unsafe}.Add(ref b, {n0}), ref {Unsafe}.Add(ref c, {row} * {g.N} + {n0})";
            if (fullRows > 0)
            {
                tiles.Add((R, vectors, g.K, g.N, wStride));
                w.Open($"for (int m = 0; m < {fullRows}; m += {R})");
                w.Line($"{TileName(R, vectors, g.K, g.N, wStride)}({args("m")});");
                w.Close();
            }
            if (fullRows < g.M)
            {
                // The last M mod R rows: one tile of that many rows (it reads each column of W once for all of them).
                int left = g.M - fullRows;
                tiles.Add((left, vectors, g.K, g.N, wStride));
                w.Line($"{TileName(left, vectors, g.K, g.N, wStride)}({args(CodeWriter.Int(fullRows))});");
            }
        }

        if (strips > 0)
        {
            w.Open($"for (int u = first; u < (end < {strips} ? end : {strips}); u++)");
            w.Line($"int n = u * {blockWidth};");
            w.Line($"ref float panel = ref {Unsafe}.Add(ref w, u * {g.K * blockWidth});   // strip u's panel: [{g.K}, {blockWidth}]");
            Columns(V, "panel", blockWidth, "n");
            w.Close();
        }
        if (tail)
        {
            int width = g.N - blocksEnd;
            w.Open($"if (end > {strips})");
            w.Line($"ref float panel = ref {Unsafe}.Add(ref w, {g.K * blocksEnd});   // the last columns' panel: [{g.K}, {width}]");
            if (extraVectors > 0)
            {
                Columns(extraVectors, "panel", width, CodeWriter.Int(blocksEnd));
            }
            if (scalarColumns > 0)
            {
                w.Line($"global::AttentionGen.Runtime.ProjectionMath.GemmColumns(ref a, ref {Unsafe}.Add(ref panel, {vectorEnd - blocksEnd}), {width}, ref {Unsafe}.Add(ref b, {vectorEnd}), ref {Unsafe}.Add(ref c, {vectorEnd}), {g.M}, {g.K}, {g.N}, {scalarColumns});");
            }
            w.Close();
        }
        w.Close();
    }

    /// <summary>Statements in the last tile written (for the budget comment and tests).</summary>
    internal static int CountTileStatements(int rows, int vectors, int k) =>
        2 + rows + rows * vectors                                   // refs, accumulators
        + (k / KUnroll > 0 ? 1 + KUnroll * (vectors + rows * (1 + vectors)) : 0)
        + (k % KUnroll) * (vectors + rows * (1 + vectors))
        + vectors + rows * vectors;                                 // bias, stores

    private static void WriteTile(CodeWriter w, Tiling t, CompilationFacts facts, int rows, int vectors, int k, int n, int wStride)
    {
        int L = t.Lanes;
        string Fma(string a, string b, string c) => facts.HasCrossPlatformFma
            ? $"{t.Static}.FusedMultiplyAdd({a}, {b}, {c})"
            : L == 16 ? $"global::System.Runtime.Intrinsics.X86.Avx512F.FusedMultiplyAdd({a}, {b}, {c})"
                      : $"global::System.Runtime.Intrinsics.X86.Fma.MultiplyAdd({a}, {b}, {c})";
        string acc(int r, int c) => $"s{r}_{c}";

        w.Line($"// {rows} row(s) × {vectors * L} columns of C: a points at the first row of A, w at the first column of a panel of W (rows {wStride} apart), b and c at the first column.");
        w.Line(KernelEmitter.HotAttribute);
        w.Open($"private static void {TileName(rows, vectors, k, n, wStride)}(ref float a, ref float w, ref float b, ref float c)");
        w.Line("ref float a0 = ref a;" + string.Concat(Enumerable.Range(1, rows - 1).Select(r => $" ref float a{r} = ref {Unsafe}.Add(ref a{r - 1}, {k});")));
        w.Line($"{t.Type} {string.Join(", ", Enumerable.Range(0, vectors).Select(c => "w" + c))}, x;");
        for (int r = 0; r < rows; r++)
        {
            w.Line($"{t.Type} {string.Join(", ", Enumerable.Range(0, vectors).Select(c => $"{acc(r, c)} = {t.Type}.Zero"))};");
        }

        void Step(string wRef, int rowOfW, string kExpr)
        {
            w.Line(string.Join(" ", Enumerable.Range(0, vectors).Select(c => $"w{c} = {t.Static}.LoadUnsafe(ref {wRef}, {CodeWriter.Int(rowOfW * wStride + c * L)});")));
            for (int r = 0; r < rows; r++)
            {
                w.Line($"x = {t.Static}.Create({Unsafe}.Add(ref a{r}, {kExpr}));"
                    + string.Concat(Enumerable.Range(0, vectors).Select(c => $" {acc(r, c)} = {Fma("x", "w" + c, acc(r, c))};")));
            }
        }

        int loopEnd = k / KUnroll * KUnroll;
        if (loopEnd > 0)
        {
            w.Open($"for (int t = 0; t < {loopEnd}; t += {KUnroll})");
            w.Line($"ref float wt = ref {Unsafe}.Add(ref w, t * {wStride});");
            for (int u = 0; u < KUnroll; u++) Step("wt", u, u == 0 ? "t" : $"t + {u}");
            w.Close();
        }
        for (int tt = loopEnd; tt < k; tt++) Step("w", tt, CodeWriter.Int(tt));

        w.Line("// epilogue: + bias, store");
        w.Line(string.Join(" ", Enumerable.Range(0, vectors).Select(c => $"w{c} = {t.Static}.LoadUnsafe(ref b, {CodeWriter.Int(c * L)});")));
        for (int r = 0; r < rows; r++)
        {
            w.Line(string.Join(" ", Enumerable.Range(0, vectors).Select(c => $"{t.Static}.StoreUnsafe({acc(r, c)} + w{c}, ref c, {CodeWriter.Int(r * n + c * L)});")));
        }
        int statements = CountTileStatements(rows, vectors, k);
        w.Line($"// {statements} statements ≈ {statements * 4} IL local/argument references: budget {AttentionGen.KernelLimits.MaxLocalReferencesPerMethod} (the JIT switches to MinOpts above 8,000)");
        w.Close();
    }
}
