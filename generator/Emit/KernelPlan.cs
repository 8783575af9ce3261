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
    /// <summary>Query rows per micro-kernel block.</summary>
    public const int RowsPerBlock = 4;

    public KernelPlan(KernelShape shape, int lanes)
    {
        Shape = shape;
        Lanes = lanes;
        VectorName = lanes == 16 ? "Vector512" : "Vector256";

        // Q·Kᵀ: R rows × NC vectors of keys per panel (keys are the lanes; K is packed transposed).
        int keyVectors = (shape.KeyLen + lanes - 1) / lanes;
        ScoreVectorsPerPanel = Math.Min(2, keyVectors);
        PanelWidth = ScoreVectorsPerPanel * lanes;
        Panels = (shape.KeyLen + PanelWidth - 1) / PanelWidth;
        PaddedKeys = Panels * PanelWidth;

        // The reduction over the head dimension: fully unrolled when short, else a loop of unrolled chunks.
        DimUnroll = shape.HeadDim <= 32 ? shape.HeadDim : 16;

        // P·V: the head dimension is the lane dimension. Small heads use narrower vectors.
        int valueLanes = lanes;
        while (valueLanes > 4 && shape.HeadDim <= valueLanes / 2)
        {
            valueLanes /= 2;
        }
        ValueLanes = valueLanes;
        ValueVectorName = valueLanes switch { 16 => "Vector512", 8 => "Vector256", _ => "Vector128" };
        ValueVectors = (shape.HeadDim + valueLanes - 1) / valueLanes;
        PackValues = shape.HeadDim % valueLanes != 0;
        PaddedHeadDim = ValueVectors * valueLanes;
        // Accumulators per strip: R × StripVectors, kept within ~16 (Vector256) or ~20 (Vector512) live registers.
        int maxStrip = lanes == 16 ? 4 : 2;
        var strips = new List<Strip>();
        for (int first = 0; first < ValueVectors; first += maxStrip)
        {
            strips.Add(new Strip(first, Math.Min(maxStrip, ValueVectors - first)));
        }
        Strips = strips;
        MaxStripVectors = maxStrip;

        FullBlocks = shape.SeqLen / RowsPerBlock;
        TailRows = shape.SeqLen % RowsPerBlock;

        PackedKeyFloats = PaddedKeys * shape.HeadDim;
        PackedValueFloats = PackValues ? shape.KeyLen * PaddedHeadDim : 0;
        ScoreFloats = RowsPerBlock * PaddedKeys;
        ScratchFloats = PackedKeyFloats + PackedValueFloats + ScoreFloats;
    }

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
    public int PaddedHeadDim { get; }
    public IReadOnlyList<Strip> Strips { get; }
    public int MaxStripVectors { get; }
    public int FullBlocks { get; }
    public int TailRows { get; }
    public int PackedKeyFloats { get; }
    public int PackedValueFloats { get; }
    public int ScoreFloats { get; }
    public int ScratchFloats { get; }

    /// <summary>Stride between rows of the V operand the P·V tiles read.</summary>
    public string ValueStride => PackValues ? CodeWriter.Int(PaddedHeadDim) : "Dim";
}
