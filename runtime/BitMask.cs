using System;

namespace AttentionGen;

/// <summary>
/// A bit-packed <c>[rows, cols]</c> boolean matrix, such as the adjacency of a graph for graph attention: bit
/// <c>j</c> of row <c>i</c> says whether query <c>i</c> may attend to key <c>j</c> (1 = connected, 0 = masked).
/// </summary>
/// <remarks>
/// Layout: each row starts on a byte boundary and takes <see cref="BytesPerRow"/> = ⌈cols / 8⌉ bytes; bit
/// <c>j</c> of row <c>i</c> is bit <c>j % 8</c> (least significant first) of byte <c>i · BytesPerRow + j / 8</c>
/// (NumPy's <c>packbits(..., axis=-1, bitorder="little")</c>). Padding bits past <c>cols</c> are ignored.
/// Eight times smaller than a <see cref="bool"/> mask; build one with <see cref="Pack"/>.
/// </remarks>
public readonly ref struct BitMask
{
    /// <summary>Wraps packed bits of a <c>[rows, cols]</c> matrix.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> or <paramref name="cols"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="bits"/> is not <c>rows · ⌈cols / 8⌉</c> bytes long.</exception>
    public BitMask(ReadOnlySpan<byte> bits, int rows, int cols)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be at least 1.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "cols must be at least 1.");
        long expected = (long)rows * BytesFor(cols);
        if (bits.Length != expected)
        {
            throw new ArgumentException(
                $"bits has length {bits.Length}; expected {expected} (rows={rows} × ⌈cols={cols} / 8⌉ bytes per row).", nameof(bits));
        }
        Bits = bits;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>The packed bytes.</summary>
    public ReadOnlySpan<byte> Bits { get; }

    /// <summary>Rows of the matrix (query rows).</summary>
    public int Rows { get; }

    /// <summary>Columns of the matrix (keys).</summary>
    public int Cols { get; }

    /// <summary>Bytes per row, <c>⌈Cols / 8⌉</c>.</summary>
    public int BytesPerRow => BytesFor(Cols);

    /// <summary>Whether query <paramref name="row"/> may attend to key <paramref name="col"/>.</summary>
    public bool this[int row, int col]
    {
        get
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"row must be in [0, {Rows}).");
            if ((uint)col >= (uint)Cols) throw new ArgumentOutOfRangeException(nameof(col), col, $"col must be in [0, {Cols}).");
            return (Bits[row * BytesPerRow + (col >> 3)] >> (col & 7) & 1) != 0;
        }
    }

    /// <summary>Bytes per row of a matrix with <paramref name="cols"/> columns.</summary>
    public static int BytesFor(int cols) => (cols + 7) >> 3;

    /// <summary>Packs a row-major <c>[rows, cols]</c> <see cref="bool"/> matrix into <paramref name="destination"/> and wraps it.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static BitMask Pack(ReadOnlySpan<bool> values, int rows, int cols, Span<byte> destination)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be at least 1.");
        if (cols <= 0) throw new ArgumentOutOfRangeException(nameof(cols), cols, "cols must be at least 1.");
        if (values.Length != (long)rows * cols)
        {
            throw new ArgumentException($"values has length {values.Length}; expected {(long)rows * cols} (rows={rows} × cols={cols}).", nameof(values));
        }
        int stride = BytesFor(cols);
        if (destination.Length != (long)rows * stride)
        {
            throw new ArgumentException($"destination has length {destination.Length}; expected {(long)rows * stride} (rows={rows} × {stride} bytes per row).", nameof(destination));
        }
        destination.Clear();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                if (values[i * cols + j])
                {
                    destination[i * stride + (j >> 3)] |= (byte)(1 << (j & 7));
                }
            }
        }
        return new BitMask(destination, rows, cols);
    }
}
