using System;
using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>
/// The "rows as lanes" path for tiny key counts (e.g. H8-S32-d8): one vector holds one key's score for
/// <see cref="KernelPlan.Lanes"/> query rows, so the softmax's max, exp and sum over the keys are lane-wise and no
/// row pays for horizontal reductions. With 32 keys a row's scores fill two Vector512s, and the latency of its two
/// horizontal reductions (max, then sum) outweighs its FMAs; measured in bench/RESULTS.md.
/// </summary>
/// <remarks>
/// It serves the calls without an explicit mask, with or without the returned weights (key padding is supported: keys
/// at or past validKeys are never read). Banded shapes (causal, window) use it only when V is finite, because a key that
/// some rows of the block see and others do not is multiplied by an exact 0 for the latter, and 0·∞ would be NaN;
/// other calls take the row-block path. Q is transposed per head (<c>KernelPacking.PackKeyPanels</c> with
/// panels of one block of rows); K and V are read in place, one broadcast per element.
/// </remarks>
internal static class TransposedEmitter
{
    /// <summary>Kernels with at most this many keys use the path.</summary>
    internal static int MaxKeys = 32;

    /// <summary>
    /// Largest head dimension: the block's queries stay in registers (16 Vector512 or 8 Vector256). Reloading them per
    /// key measured slower than the row-block path (H4-S64-d32 25.8 µs against 17.0 µs; H1-S16-d64 5 µs against 0.62 µs).
    /// </summary>
    internal static int MaxHeadDim(int lanes) => lanes == 16 ? 16 : 8;

    /// <summary>True when <paramref name="p"/>'s shape takes the rows-as-lanes path for the calls it serves.</summary>
    public static bool Applies(KernelPlan p) =>
        !p.InPlaceKeys && p.Shape.KeyLen <= MaxKeys && p.Shape.HeadDim <= MaxHeadDim(p.Lanes) && p.Shape.SeqLen >= p.Lanes / 2;

    /// <summary>Rows per unit of work of a rows-as-lanes kernel: a multiple of both its lanes blocks and its row blocks, so either path splits on the same rows.</summary>
    public static int UnitRows(KernelPlan p)
    {
        int a = p.Lanes, b = p.RowsPerBlock;
        while (b != 0) (a, b) = (b, a % b);
        return p.Lanes / a * p.RowsPerBlock;
    }

    private const string UnsafeAdd = "global::System.Runtime.CompilerServices.Unsafe.Add";

    /// <summary>The dispatch at the top of the path's Run: eligible calls go to RunLanes and return.</summary>
    public static void WriteDispatch(CodeWriter w, KernelPlan p)
    {
        KernelShape s = p.Shape;
        w.Line($"// {s.KeyLen} keys: rows as the vector lanes (no horizontal reductions), unless a mask is given{(s.Banded ? " or V holds ∞ or NaN" : "")}.");
        if (s.Banded)
        {
            w.Line("// The values are scanned once per call and thread: state −2 = rows as lanes, −3 = row blocks (then 2·g + exact, as below).");
            w.Open("if (!masked)");
            w.Line("if (state == -1) state = global::AttentionGen.Runtime.KernelMasking.AllFinite(ref v, validKeys, KvDim, KvDim) ? -2 : -3;");
            w.Open("if (state == -2)");
        }
        else
        {
            w.Open("if (!masked)");
        }
        w.Line("RunLanes(ref q, ref k, ref v, ref o, ref w, validKeys, first, end);");
        w.Line("return;");
        w.Close();
        if (s.Banded) w.Close();
    }

    public static void WriteMethods(CodeWriter w, KernelPlan p, int lanes, Func<string, string, string, string> fma)
    {
        KernelShape s = p.Shape;
        int L = lanes;
        int blocks = (s.SeqLen + L - 1) / L;
        int queryFloats = blocks * L * s.HeadDim;
        int scoreFloats = s.KeyLen * L;
        int columnFloats = s.HeadDim * L;
        int weightFloats = s.KeyLen * L;
        string V = $"global::System.Runtime.Intrinsics.Vector{L * 32}";
        string T = V + "<float>";

        w.Line();
        w.Line($"private const int LaneQueryFloats = {queryFloats};   // one head of Q transposed: [{blocks} block(s)][HeadDim][{L}]");
        w.Line($"private const int LaneScratchFloats = {queryFloats + scoreFloats + columnFloats + weightFloats};   // + scores [KeyLen][{L}] + output columns [HeadDim][{L}] + probabilities [KeyLen][{L}]");
        w.Line();
        w.Line("// The rows-as-lanes path for units [first, end): each head's rows of those units, their queries transposed first.");
        w.Open("private static void RunLanes(ref float q, ref float k, ref float v, ref float o, ref float w, int validKeys, int first, int end)");
        w.Line("ref float qt = ref global::AttentionGen.Runtime.KernelScratch.Get(LaneScratchFloats);");
        w.Line($"ref float s = ref {UnsafeAdd}(ref qt, LaneQueryFloats);");
        w.Line($"ref float c = ref {UnsafeAdd}(ref s, KeyLen * {L});");
        w.Line($"ref float p = ref {UnsafeAdd}(ref c, HeadDim * {L});");
        w.Open("for (int h = first / UnitsPerHead; h < Heads && h * UnitsPerHead < end; h++)");
        w.Line("int r0 = global::System.Math.Max(first - h * UnitsPerHead, 0) * UnitRows;");
        w.Line("int r1 = global::System.Math.Min((end - h * UnitsPerHead) * UnitRows, SeqLen);");
        w.Line(s.Group == 1 ? "int g = h;" : $"int g = h / {s.Group};   // the key/value head of query head h");
        w.Line($"// Rows r0..r1-1 of this head's queries, transposed in blocks of {L} rows: the {L} rows of one column are one vector.");
        w.Line($"global::AttentionGen.Runtime.KernelPacking.PackKeyPanels(ref {UnsafeAdd}(ref q, r0 * Dim + h * HeadDim), Dim, r1 - r0, HeadDim, {L}, ref qt);");
        w.Line($"ref float wh = ref global::System.Runtime.CompilerServices.Unsafe.IsNullRef(ref w) ? ref w : ref {UnsafeAdd}(ref w, (nint)h * (SeqLen * KeyLen));");
        w.Open($"for (int b = 0; r0 + b * {L} < r1; b++)");
        w.Line($"Lanes(ref {UnsafeAdd}(ref qt, b * ({L} * HeadDim)), ref {UnsafeAdd}(ref k, g * HeadDim), ref {UnsafeAdd}(ref v, g * HeadDim), ref {UnsafeAdd}(ref o, h * HeadDim), ref wh, ref s, ref c, ref p, r0 + b * {L}, validKeys);");
        w.Close();
        w.Close();
        w.Close();

        // ---- the block method
        int D = s.HeadDim;
        int qRegs = L == 16 ? 16 : 8;          // query columns held in registers (else reloaded from qt per key)
        bool qInRegs = D <= qRegs;
        int chains = D <= 4 ? 1 : D <= 8 ? 2 : 4;   // partial sums per key's dot product
        int strip = L == 16 ? 16 : 8;          // P·V accumulators per pass over the keys

        w.Line();
        w.Line($"// Query rows r0..r0+{L - 1} of one head with the rows as the {L} vector lanes: one vector per key holds the rows' scores,");
        w.Line("// so the softmax's max and sum over the keys are lane-wise. qt: the block's queries transposed [HeadDim][lanes];");
        w.Line("// k, v and o point at the head's first column; w: the head's probabilities [SeqLen, KeyLen] or a null reference;");
        w.Line("// s: scores [KeyLen][lanes]; c: the output columns [HeadDim][lanes]; p: the probabilities [KeyLen][lanes].");
        w.Line("// Hot, like the row blocks' micro-kernels: compiled once fully optimised, no tier-0 code and no rejit while it runs.");
        w.Line(KernelEmitter.HotAttribute);
        w.Open("private static void Lanes(ref float qt, ref float k, ref float v, ref float o, ref float w, ref float s, ref float c, ref float p, int r0, int validKeys)");
        if (qInRegs)
        {
            for (int d = 0; d < D; d++)
            {
                w.Line($"{T} q{d} = {V}.LoadUnsafe(ref qt, {d * L});");
            }
        }
        w.Line($"{T} m = {V}.Create(float.NegativeInfinity), e;");
        w.Line($"{T} {string.Join(", ", Range(chains, i => $"x{i}"))};");
        string lo = "0", hi = "validKeys";
        if (s.Banded)
        {
            int off = s.AlignmentOffset;
            w.Line($"// The band: lane r sees keys lo_r ≤ j < hi_r ({KernelEmitter.BandText(s)}).");
            w.Line($"{T} aligned = {V}.Create({(off == 0 ? "(float)r0" : $"(float)(r0{Plus(off)})")}) + global::AttentionGen.Runtime.KernelLanes.Index{L * 32};");
            w.Line($"{T} lo = {(s.HasWindow ? $"{V}.Max({V}<float>.Zero, aligned - {V}.Create({CodeWriter.Float(s.Window)}))" : $"{V}<float>.Zero")};");
            string hiExpr = $"{V}.Create((float)validKeys)";
            if (s.Causal) hiExpr = $"{V}.Min({hiExpr}, aligned + {V}<float>.One)";
            else if (s.HasWindow) hiExpr = $"{V}.Min({hiExpr}, aligned + {V}.Create({CodeWriter.Float(s.Window + 1f)}))";
            w.Line($"{T} hi = {hiExpr};");
            w.Line($"int last = global::System.Math.Min(r0 + {L}, SeqLen) - 1;   // the block's last row");
            w.Line($"int j0 = {(s.HasWindow ? $"(int)global::System.Math.Min(validKeys, global::System.Math.Max(0L, (long)r0{Plus(off)} - Window))" : "0")};");
            string j1 = s.Causal ? $"global::System.Math.Min(validKeys, (long)last{Plus(off + 1)})"
                : $"global::System.Math.Min(validKeys, (long)last{Plus(off)} + Window + 1)";
            w.Line($"int j1 = (int)global::System.Math.Max(j0, {j1});");
            lo = "j0";
            hi = "j1";
        }

        w.Line($"// --- Q·Kᵀ: one vector of {L} rows' scores per key{(s.Softcap == 0 ? ", × Scale × log2 e (base-2 units)" : $"{(s.Scale == 1f ? "" : ", scaled")}, softcapped × log2 e (base-2 units)")}{(s.Banded ? ", −∞ outside the band" : "")}; running max per lane ---");
        w.Open($"for (int j = {lo}; j < {hi}; j++)");
        w.Line($"ref float kj = ref {UnsafeAdd}(ref k, j * KvDim);");
        for (int d = 0; d < D; d++)
        {
            string q = qInRegs ? $"q{d}" : $"{V}.LoadUnsafe(ref qt, {d * L})";
            string kd = d == 0 ? "kj" : $"{UnsafeAdd}(ref kj, {d})";
            string acc = $"x{d % chains}";
            w.Line(d < chains ? $"{acc} = {q} * {V}.Create({kd});" : $"{acc} = {fma(q, $"{V}.Create({kd})", acc)};");
        }
        int used = Math.Min(chains, D);
        if (used == 4)
        {
            w.Line("x0 += x2;");
            w.Line("x1 += x3;");
        }
        if (used >= 2) w.Line("x0 += x1;");
        // The scores are kept in base-2 units (× log2 e with the scale, or by the softcap) and the softmax takes 2^x.
        if (s.Softcap == 0) w.Line($"x0 *= {V}.Create(Scale * {KernelEmitter.Log2E});");
        else if (s.Scale != 1f) w.Line($"x0 *= {V}.Create(Scale);");
        if (s.Softcap > 0) w.Line($"x0 = global::AttentionGen.Runtime.KernelSoftcap.Apply(x0, Softcap, {KernelEmitter.Log2E});");
        if (s.Banded)
        {
            w.Line($"e = {V}.Create((float)j);");
            w.Line($"x0 = {V}.ConditionalSelect({V}.GreaterThanOrEqual(e, lo) & {V}.LessThan(e, hi), x0, {V}.Create(float.NegativeInfinity));");
        }
        w.Line($"{V}.StoreUnsafe(x0, ref s, (nuint)(j * {L}));");
        w.Line("m = global::AttentionGen.Runtime.KernelLanes.Max(m, x0);");
        w.Close();

        w.Line("// --- softmax per lane: exp(s − max) in place; f = 1/Σ, 0 for a row that sees no key ---");
        w.Line($"m = {V}.ConditionalSelect({V}.Equals(m, {V}.Create(float.NegativeInfinity)), {V}<float>.Zero, m);");
        w.Line($"{T} sum = {V}<float>.Zero;");
        w.Open($"for (int j = {lo}; j < {hi}; j++)");
        w.Line($"e = global::AttentionGen.Runtime.KernelMath.Exp2NonPositive({V}.LoadUnsafe(ref s, (nuint)(j * {L})) - m);   // s − m ≤ 0");
        w.Line($"{V}.StoreUnsafe(e, ref s, (nuint)(j * {L}));");
        w.Line("sum += e;");
        w.Close();
        w.Line($"{T} f = {V}.ConditionalSelect({V}.Equals(sum, {V}<float>.Zero), {V}<float>.Zero, {V}<float>.One / sum);");
        w.Open("if (!global::System.Runtime.CompilerServices.Unsafe.IsNullRef(ref w))   // the overloads that also return the probabilities: exactly 0 outside the band");
        w.Open("for (int j = 0; j < KeyLen; j++)");
        w.Line($"{V}.StoreUnsafe(j >= {lo} && j < {hi} ? {V}.LoadUnsafe(ref s, (nuint)(j * {L})) * f : {V}<float>.Zero, ref p, (nuint)(j * {L}));");
        w.Close();
        w.Line($"global::AttentionGen.Runtime.KernelLanes.StoreRows(ref p, {L}, KeyLen, global::System.Math.Min({L}, SeqLen - r0), ref {UnsafeAdd}(ref w, r0 * KeyLen), KeyLen);");
        w.Close();

        w.Line($"{T} {string.Join(", ", Range(Math.Min(strip, D), i => $"o{i}"))};");
        for (int c0 = 0; c0 < D; c0 += strip)
        {
            int n = Math.Min(strip, D - c0);
            w.Line($"// --- P·V: columns {c0}..{c0 + n - 1}, one accumulator per column, one broadcast of v per key and column ---");
            foreach (string z in Range(n, i => $"o{i} = {V}<float>.Zero;")) w.Line(z);
            w.Open($"for (int j = {lo}; j < {hi}; j++)");
            w.Line($"ref float vj = ref {UnsafeAdd}(ref v, j * KvDim{(c0 == 0 ? "" : $" + {c0}")});");
            w.Line($"e = {V}.LoadUnsafe(ref s, (nuint)(j * {L}));");
            for (int i = 0; i < n; i++)
            {
                string vd = i == 0 ? "vj" : $"{UnsafeAdd}(ref vj, {i})";
                w.Line($"o{i} = {fma("e", $"{V}.Create({vd})", $"o{i}")};");
            }
            w.Close();
            for (int i = 0; i < n; i++)
            {
                w.Line($"{V}.StoreUnsafe(o{i} * f, ref c, {(c0 + i) * L});");
            }
        }
        w.Line($"global::AttentionGen.Runtime.KernelLanes.StoreRows(ref c, {L}, HeadDim, global::System.Math.Min({L}, SeqLen - r0), ref {UnsafeAdd}(ref o, r0 * Dim), Dim);");
        w.Close();
    }

    private static string Plus(int n) => n == 0 ? "" : n > 0 ? $" + {n}" : $" - {-(long)n}";

    private static string[] Range(int n, Func<int, string> f)
    {
        var items = new string[n];
        for (int i = 0; i < n; i++) items[i] = f(i);
        return items;
    }
}
