using System;
using System.Collections.Generic;
using AttentionGen.Generator.Models;

namespace AttentionGen.Generator.Emit;

/// <summary>A register strip of the P·V product: <see cref="Count"/> vectors starting at vector <see cref="First"/> of the head.</summary>
internal readonly record struct Strip(int First, int Count);

/// <summary>
/// The tiling the generator chose for one shape and one vector width, derived only from the shape
/// (so identical shapes get identical code). See <see cref="Describe"/> for the human-readable plan.
/// </summary>
internal sealed class KernelPlan
{
    // Tile sizes per vector width (measured on Zen 5, see docs/kernel-design.md): rows per block, the most key
    // vectors per Q·Kᵀ panel, and the most value vectors per P·V strip.
    internal static int Rows512 = 8, KeyVectors512 = 2, ValueVectors512 = 2;
    // Vector256: 6 rows × 2 vectors = 12 accumulators + 2 loads + 1 broadcast = 15 of AVX2's 16 registers
    // (4-row blocks measured 7-13 % slower at H12-S128-d64 and H8-S512-d64).
    internal static int Rows256 = 6, KeyVectors256 = 2, ValueVectors256 = 2;

    /// <param name="shape">The validated shape.</param>
    /// <param name="lanes">Floats per vector of the path (16 or 8).</param>
    /// <param name="compact">Smaller unrolling, for shapes whose row-block method would otherwise cross the JIT budget.</param>
    public KernelPlan(KernelShape shape, int lanes, bool compact = false)
    {
        Compact = compact;
        // Narrow heads have few P·V accumulators per row: use taller blocks so ≥ 8 independent FMA chains
        // hide the FMA latency (measured: H8-S32-d8 and H4-S64-d32 in bench/RESULTS.md).
        int valueVectorsPerRow = (shape.HeadDim + lanes - 1) / lanes;
        int rows = lanes == 16 ? Rows512 : Rows256;
        if (valueVectorsPerRow <= 2) rows = Math.Min(8, rows * 2);
        RowsPerBlock = Math.Min(rows, shape.SeqLen);
        // One query row per head sharing its key/value head with 1-7 others (a GQA decoding step): the group's query heads
        // are the rows of one block, so P·V reads each value row once for the whole group instead of once per head.
        FusedHeads = shape.SeqLen == 1 && shape.Group >= 2 && shape.Group <= 8;
        if (FusedHeads) RowsPerBlock = shape.Group;
        Shape = shape;
        Lanes = lanes;
        VectorName = lanes == 16 ? "Vector512" : "Vector256";

        // Q·Kᵀ: R rows × NC vectors of keys per panel (keys are the lanes; K is packed transposed).
        int keyVectors = (shape.KeyLen + lanes - 1) / lanes;
        // Q·Kᵀ accumulators = rows × key vectors, kept at 16.
        int maxKeyVectors = Math.Max(1, (lanes == 16 ? Rows512 * KeyVectors512 : Rows256 * KeyVectors256) / RowsPerBlock);
        ScoreVectorsPerPanel = Math.Min(maxKeyVectors, keyVectors);
        PanelWidth = ScoreVectorsPerPanel * lanes;
        Panels = (shape.KeyLen + PanelWidth - 1) / PanelWidth;
        PaddedKeys = Panels * PanelWidth;

        // The reduction over the head dimension: fully unrolled when short, else a loop over unrolled chunks
        // whose body stays near 50-100 statements: the Q·Kᵀ micro-kernel is compiled fully optimised on the first call.
        // For 8-row Vector512 blocks (26 statements per step), chunks of 4 instead of 8 steps cut its JIT time from ~2.1 to
        // ~1.5 ms dense, chunks of 2 instead of 4 from ~2.0 to 1.5-1.8 ms causal, and one step instead of 2 to 1.2 dense
        // and 1.4 causal, with no measurable loss each time (docs/kernel-design.md, "First call (JIT) and the JIT budget").
        int statementsPerStep = ScoreVectorsPerPanel + RowsPerBlock * (1 + ScoreVectorsPerPanel);
        int chunk = statementsPerStep * 16 <= 110 ? 16 : statementsPerStep * 8 <= 110 ? 8 : statementsPerStep * 4 <= 60 ? 4 : 1;
        if (compact) chunk = 4;
        DimUnroll = shape.HeadDim <= chunk ? shape.HeadDim : chunk;

        // P·V: the head dimension is the lane dimension. Small heads use narrower vectors.
        int valueLanes = lanes;
        while (valueLanes > 4 && shape.HeadDim <= valueLanes / 2)
        {
            valueLanes /= 2;
        }
        ValueLanes = valueLanes;
        ValueVectorName = valueLanes switch { 16 => "Vector512", 8 => "Vector256", _ => "Vector128" };
        ValueVectors = (shape.HeadDim + valueLanes - 1) / valueLanes;
        // Values are repacked per head into contiguous rows when the head is not a multiple of the vector
        // width (padding) or when rows of V are strided by the other heads' columns: a stride of Dim floats
        // (e.g. 3 KiB) maps a head's value rows onto a few L1 sets, which then thrash.
        PartialLastVector = shape.HeadDim % valueLanes != 0;
        // A problem of very few query rows (a decoding step over a KV cache) reads K and V in place: packing them
        // would copy and re-read every key for one or two rows of work (bench/RESULTS.md, FeatureBenchmarks).
        InPlaceKeys = shape.SeqLen <= InPlaceMaxRows;
        PackValues = PartialLastVector || (shape.KvHeads > 1 && !InPlaceKeys);
        PaddedHeadDim = ValueVectors * valueLanes;
        // Accumulators per strip: R × StripVectors, as many as a full block has (16 of Vector512's 32 registers, 12 of
        // Vector256's 16): blocks of fewer rows (a decoding step's 1-4 query rows) take wider strips, so each key's value
        // row is read in fewer passes and more independent FMA chains hide the FMA latency.
        int maxStrip = lanes == 16 ? ValueVectors512 : ValueVectors256;
        maxStrip = Math.Max(maxStrip, maxStrip * (lanes == 16 ? Rows512 : Rows256) / RowsPerBlock);
        var strips = new List<Strip>();
        for (int first = 0; first < ValueVectors; first += maxStrip)
        {
            strips.Add(new Strip(first, Math.Min(maxStrip, ValueVectors - first)));
        }
        Strips = strips;
        MaxStripVectors = maxStrip;

        FullBlocks = FusedHeads ? 1 : shape.SeqLen / RowsPerBlock;
        TailRows = FusedHeads ? 0 : shape.SeqLen % RowsPerBlock;

        PackedKeyFloats = InPlaceKeys ? 0 : PaddedKeys * shape.HeadDim;
        PackedValueFloats = PackValues ? shape.KeyLen * PaddedHeadDim : 0;
        // A windowed row's softmax starts at its first key, not at a vector boundary: its last vector may reach up to
        // lanes − 1 floats past the padded keys, so windowed score rows get one vector of slack.
        ScoreStride = PaddedKeys + (shape.HasWindow ? lanes : 0);
        ScoreFloats = RowsPerBlock * ScoreStride;
        // After the score rows: each row's maximum and its lane-wise Σ (one vector per row each), then f_r = 1/Σ (one
        // float per row, padded to a vector), handed between the micro-kernels.
        StatsFloats = (2 * RowsPerBlock + (RowsPerBlock + lanes - 1) / lanes) * lanes;
        ScratchFloats = PackedKeyFloats + PackedValueFloats + ScoreFloats + StatsFloats;
    }

    /// <summary>Kernels with at most this many query rows read K and V in place instead of packing them.</summary>
    internal const int InPlaceMaxRows = 4;

    /// <summary>True when keys are read in place (one dot product per key and row) instead of packed into panels.</summary>
    public bool InPlaceKeys { get; }

    /// <summary>
    /// True when a block's rows are the query heads of one key/value head group, not query rows of one head: one query row
    /// (<c>SeqLen = 1</c>) and 2-8 query heads per key/value head. Row r of the block is query head g·Group + r, its q and
    /// output HeadDim floats after row r − 1's, and every row sees the same keys.
    /// </summary>
    public bool FusedHeads { get; }

    /// <summary>True when the compact plan was chosen to stay within the JIT budget.</summary>
    public bool Compact { get; }

    /// <summary>Query rows per micro-kernel block.</summary>
    public int RowsPerBlock { get; }

    public KernelShape Shape { get; }
    public int Lanes { get; }
    public string VectorName { get; }
    public int ScoreVectorsPerPanel { get; }
    public int PanelWidth { get; }
    public int Panels { get; }
    public int PaddedKeys { get; }
    public int DimUnroll { get; }
    public int ValueLanes { get; }
    public string ValueVectorName { get; }
    public int ValueVectors { get; }
    public bool PackValues { get; }
    /// <summary>True when the head dimension is not a multiple of the value vector width (the last vector is stored lane by lane).</summary>
    public bool PartialLastVector { get; }
    public int PaddedHeadDim { get; }
    public IReadOnlyList<Strip> Strips { get; }
    public int MaxStripVectors { get; }
    public int FullBlocks { get; }
    public int TailRows { get; }
    public int PackedKeyFloats { get; }
    public int PackedValueFloats { get; }
    public int ScoreFloats { get; }
    /// <summary>Floats after the score rows for the row maxima and the factors 1/Σ.</summary>
    public int StatsFloats { get; }
    /// <summary>Floats between score rows of a block.</summary>
    public int ScoreStride { get; }
    public int ScratchFloats { get; }

    /// <summary>Stride between rows of the V operand the P·V tiles read.</summary>
    public string ValueStride => PackValues ? CodeWriter.Int(PaddedHeadDim) : "KvDim";
}
