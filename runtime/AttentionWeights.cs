using System;

namespace AttentionGen;

/// <summary>
/// The parameters of one attention layer for the generated <c>Forward</c> (declared with <c>Projections = true</c>):
/// the query, key, value and output projections and their biases.
/// </summary>
/// <remarks>
/// <para>
/// Convention: every projection is <c>y = x·W + b</c> with <c>x</c> a row vector and <c>W</c> stored row-major
/// <c>[in, out]</c>, so element <c>(i, o)</c> of <c>W</c> is at <c>i·out + o</c>. Shapes:
/// </para>
/// <list type="table">
/// <listheader><term>parameter</term><description>shape</description></listheader>
/// <item><term><see cref="QueryWeight"/> (W_Q)</term><description><c>[Dim, Dim]</c></description></item>
/// <item><term><see cref="KeyWeight"/>, <see cref="ValueWeight"/> (W_K, W_V)</term><description><c>[Dim, KvDim]</c></description></item>
/// <item><term><see cref="OutputWeight"/> (W_O)</term><description><c>[Dim, Dim]</c></description></item>
/// <item><term><see cref="QueryBias"/>, <see cref="OutputBias"/></term><description><c>[Dim]</c></description></item>
/// <item><term><see cref="KeyBias"/>, <see cref="ValueBias"/></term><description><c>[KvDim]</c></description></item>
/// </list>
/// <para>
/// <c>KvDim = KvHeads · HeadDim</c> is the width of the keys and values; it equals <c>Dim</c> unless the kernel uses
/// grouped-query attention. The layer computes <c>Q = x·W_Q + b_Q</c>, <c>K = s·W_K + b_K</c>, <c>V = s·W_V + b_V</c>
/// (<c>s</c> = <c>x</c> for self-attention, the key/value source for cross-attention), the kernel's multi-head
/// attention <c>C = Attend(Q, K, V)</c> and <c>y = C·W_O + b_O</c>.
/// </para>
/// <para>
/// The constructor copies every array, so later changes to the caller's buffers do not change the layer. An instance is
/// immutable and may be shared by any number of threads. On a vector path it also keeps each matrix as column panels
/// for the register tiles of <c>Forward</c> (<see cref="Panels"/>: the same floats, a second copy, made by the
/// constructor), so an instance holds its weights twice. PyTorch's <c>nn.MultiheadAttention</c> stores its weights
/// <c>[out, in]</c>: use <see cref="FromPyTorch"/>, which transposes them.
/// </para>
/// </remarks>
public sealed class AttentionWeights
{
    private readonly float[] _wq, _wk, _wv, _wo, _bq, _bk, _bv, _bo;

    /// <summary>Weights of a layer without grouped-query attention (<c>KvDim = Dim</c>).</summary>
    /// <param name="dim">Model dimension (the kernel's <c>Dim</c>).</param>
    /// <param name="queryWeight">W_Q, row-major <c>[Dim, Dim]</c> (<c>[in, out]</c>).</param>
    /// <param name="keyWeight">W_K, row-major <c>[Dim, Dim]</c>.</param>
    /// <param name="valueWeight">W_V, row-major <c>[Dim, Dim]</c>.</param>
    /// <param name="outputWeight">W_O, row-major <c>[Dim, Dim]</c>.</param>
    /// <param name="queryBias">b_Q <c>[Dim]</c>, or empty for none (zeros).</param>
    /// <param name="keyBias">b_K <c>[Dim]</c>, or empty for none.</param>
    /// <param name="valueBias">b_V <c>[Dim]</c>, or empty for none.</param>
    /// <param name="outputBias">b_O <c>[Dim]</c>, or empty for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length; the message names it, the expected shape and the actual length.</exception>
    public AttentionWeights(
        int dim,
        ReadOnlySpan<float> queryWeight, ReadOnlySpan<float> keyWeight, ReadOnlySpan<float> valueWeight, ReadOnlySpan<float> outputWeight,
        ReadOnlySpan<float> queryBias = default, ReadOnlySpan<float> keyBias = default,
        ReadOnlySpan<float> valueBias = default, ReadOnlySpan<float> outputBias = default)
        : this(dim, dim, queryWeight, keyWeight, valueWeight, outputWeight, queryBias, keyBias, valueBias, outputBias)
    {
    }

    /// <summary>Weights of a layer whose keys and values are <paramref name="kvDim"/> wide (grouped-query attention: <c>KvHeads · HeadDim</c>).</summary>
    /// <param name="dim">Model dimension (the kernel's <c>Dim</c>).</param>
    /// <param name="kvDim">Key/value width (the kernel's <c>KvDim</c>; <c>Dim</c> without grouped-query attention).</param>
    /// <param name="queryWeight">W_Q, row-major <c>[Dim, Dim]</c> (<c>[in, out]</c>).</param>
    /// <param name="keyWeight">W_K, row-major <c>[Dim, KvDim]</c>.</param>
    /// <param name="valueWeight">W_V, row-major <c>[Dim, KvDim]</c>.</param>
    /// <param name="outputWeight">W_O, row-major <c>[Dim, Dim]</c>.</param>
    /// <param name="queryBias">b_Q <c>[Dim]</c>, or empty for none (zeros).</param>
    /// <param name="keyBias">b_K <c>[KvDim]</c>, or empty for none.</param>
    /// <param name="valueBias">b_V <c>[KvDim]</c>, or empty for none.</param>
    /// <param name="outputBias">b_O <c>[Dim]</c>, or empty for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> or <paramref name="kvDim"/> is not positive, or the matrices would exceed <see cref="int.MaxValue"/> floats.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length; the message names it, the expected shape and the actual length.</exception>
    public AttentionWeights(
        int dim, int kvDim,
        ReadOnlySpan<float> queryWeight, ReadOnlySpan<float> keyWeight, ReadOnlySpan<float> valueWeight, ReadOnlySpan<float> outputWeight,
        ReadOnlySpan<float> queryBias = default, ReadOnlySpan<float> keyBias = default,
        ReadOnlySpan<float> valueBias = default, ReadOnlySpan<float> outputBias = default)
    {
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "Dim must be at least 1.");
        if (kvDim <= 0) throw new ArgumentOutOfRangeException(nameof(kvDim), kvDim, "KvDim must be at least 1.");
        if ((long)dim * Math.Max(dim, kvDim) > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"a [Dim={dim}, {Math.Max(dim, kvDim)}] matrix exceeds int.MaxValue floats.");
        Dim = dim;
        KvDim = kvDim;
        _wq = Copy(queryWeight, dim, dim, nameof(queryWeight), "W_Q", "Dim");
        _wk = Copy(keyWeight, dim, kvDim, nameof(keyWeight), "W_K", "KvDim");
        _wv = Copy(valueWeight, dim, kvDim, nameof(valueWeight), "W_V", "KvDim");
        _wo = Copy(outputWeight, dim, dim, nameof(outputWeight), "W_O", "Dim");
        _bq = CopyBias(queryBias, dim, nameof(queryBias), "b_Q", "Dim");
        _bk = CopyBias(keyBias, kvDim, nameof(keyBias), "b_K", "KvDim");
        _bv = CopyBias(valueBias, kvDim, nameof(valueBias), "b_V", "KvDim");
        _bo = CopyBias(outputBias, dim, nameof(outputBias), "b_O", "Dim");
        // The panels the vector path this process takes reads, packed now rather than in the first Forward (its latency
        // counts; first touching fresh memory costs milliseconds on some VMs). Another width is packed on demand.
        int width = PanelWidthForThisProcess;
        if (width != 0)
        {
            for (int m = QueryMatrix; m <= OutputMatrix; m++) Panels(m, width);
        }
    }

    /// <summary>
    /// The panel width the generated projections read on this process's path: 64 when they take the Vector512 tiles, 16
    /// for the Vector256 ones, 0 on the scalar path (the same test as the generated code of this target framework).
    /// </summary>
    internal static int PanelWidthForThisProcess =>
#if NET9_0_OR_GREATER
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 64 : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 16 : 0;
#else
        System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? 64
            : System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported ? 16 : 0;
#endif

    /// <summary>
    /// Weights from PyTorch's <c>nn.MultiheadAttention</c> (with <c>kdim = vdim = embed_dim</c>), whose tensors are stored
    /// <c>[out, in]</c>; they are transposed into this type's <c>[in, out]</c> layout.
    /// </summary>
    /// <param name="inProjWeight"><c>in_proj_weight</c>, row-major <c>[3·Dim, Dim]</c>: the rows of W_Qᵀ, W_Kᵀ and W_Vᵀ stacked.</param>
    /// <param name="inProjBias"><c>in_proj_bias</c> <c>[3·Dim]</c> (b_Q, b_K, b_V), or empty when the module has <c>bias=False</c>.</param>
    /// <param name="outProjWeight"><c>out_proj.weight</c>, row-major <c>[Dim, Dim]</c> (<c>[out, in]</c>).</param>
    /// <param name="outProjBias"><c>out_proj.bias</c> <c>[Dim]</c>, or empty for none.</param>
    /// <param name="dim"><c>embed_dim</c>.</param>
    /// <returns>The layer's weights; <see cref="KvDim"/> = <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length; the message names it, the expected shape and the actual length.</exception>
    /// <example>
    /// <code>
    /// // Python: np.save each of mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias
    /// var weights = AttentionWeights.FromPyTorch(inProjWeight, inProjBias, outProjWeight, outProjBias, dim: 768);
    /// Encoder.Forward(x, weights, y);   // equals mha(x, x, x, need_weights=False)[0] for one sequence (batch_first)
    /// </code>
    /// </example>
    public static AttentionWeights FromPyTorch(
        ReadOnlySpan<float> inProjWeight, ReadOnlySpan<float> inProjBias,
        ReadOnlySpan<float> outProjWeight, ReadOnlySpan<float> outProjBias, int dim)
    {
        if (dim <= 0) throw new ArgumentOutOfRangeException(nameof(dim), dim, "Dim (embed_dim) must be at least 1.");
        if ((long)3 * dim * dim > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"in_proj_weight [3·{dim}, {dim}] exceeds int.MaxValue floats.");
        int square = dim * dim;
        CheckLength(inProjWeight.Length, 3 * square, nameof(inProjWeight), $"in_proj_weight is [3·Dim={3 * dim}, Dim={dim}], [out, in]");
        if (!inProjBias.IsEmpty) CheckLength(inProjBias.Length, 3 * dim, nameof(inProjBias), $"in_proj_bias is [3·Dim={3 * dim}], or empty for none");
        CheckLength(outProjWeight.Length, square, nameof(outProjWeight), $"out_proj.weight is [Dim={dim}, Dim={dim}], [out, in]");
        if (!outProjBias.IsEmpty) CheckLength(outProjBias.Length, dim, nameof(outProjBias), $"out_proj.bias is [Dim={dim}], or empty for none");

        float[] wq = Transpose(inProjWeight.Slice(0, square), dim);
        float[] wk = Transpose(inProjWeight.Slice(square, square), dim);
        float[] wv = Transpose(inProjWeight.Slice(2 * square, square), dim);
        float[] wo = Transpose(outProjWeight, dim);
        ReadOnlySpan<float> bq = inProjBias.IsEmpty ? default : inProjBias.Slice(0, dim);
        ReadOnlySpan<float> bk = inProjBias.IsEmpty ? default : inProjBias.Slice(dim, dim);
        ReadOnlySpan<float> bv = inProjBias.IsEmpty ? default : inProjBias.Slice(2 * dim, dim);
        return new AttentionWeights(dim, dim, wq, wk, wv, wo, bq, bk, bv, outProjBias);
    }

    /// <summary>Model dimension: rows of every weight, columns of W_Q and W_O.</summary>
    public int Dim { get; }

    /// <summary>Width of the keys and values: columns of W_K and W_V (<c>KvHeads · HeadDim</c>; <see cref="Dim"/> without grouped-query attention).</summary>
    public int KvDim { get; }

    /// <summary>W_Q, row-major <c>[Dim, Dim]</c> (<c>[in, out]</c>).</summary>
    public ReadOnlySpan<float> QueryWeight => _wq;

    /// <summary>W_K, row-major <c>[Dim, KvDim]</c> (<c>[in, out]</c>).</summary>
    public ReadOnlySpan<float> KeyWeight => _wk;

    /// <summary>W_V, row-major <c>[Dim, KvDim]</c> (<c>[in, out]</c>).</summary>
    public ReadOnlySpan<float> ValueWeight => _wv;

    /// <summary>W_O, row-major <c>[Dim, Dim]</c> (<c>[in, out]</c>).</summary>
    public ReadOnlySpan<float> OutputWeight => _wo;

    /// <summary>b_Q <c>[Dim]</c> (zeros when none was given).</summary>
    public ReadOnlySpan<float> QueryBias => _bq;

    /// <summary>b_K <c>[KvDim]</c> (zeros when none was given).</summary>
    public ReadOnlySpan<float> KeyBias => _bk;

    /// <summary>b_V <c>[KvDim]</c> (zeros when none was given).</summary>
    public ReadOnlySpan<float> ValueBias => _bv;

    /// <summary>b_O <c>[Dim]</c> (zeros when none was given).</summary>
    public ReadOnlySpan<float> OutputBias => _bo;

    /// <summary>Index of W_Q for <see cref="Panels"/>; W_K, W_V and W_O are 1, 2 and 3.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public const int QueryMatrix = 0, KeyMatrix = 1, ValueMatrix = 2, OutputMatrix = 3;

    // Column panels by matrix (0-3) and width (16: index 0, 64: index 1), packed on first use.
    private readonly float[]?[] _panels = new float[]?[8];

    /// <summary>
    /// Infrastructure for the generated <c>Forward</c>: weight matrix <paramref name="matrix"/> (<see cref="QueryMatrix"/> …
    /// <see cref="OutputMatrix"/>) as column panels <paramref name="width"/> wide (16 for the Vector256 tiles, 64 for the
    /// Vector512 ones), so that a register tile reads its columns of W contiguously instead of one row of W apart. With
    /// W <c>[rows, cols]</c> and <c>p = cols / width</c> full panels, element <c>(t, j)</c> of panel <c>s &lt; p</c> is at
    /// <c>s·rows·width + t·width + j</c>; the last <c>r = cols − p·width</c> columns follow as one panel <c>r</c> wide:
    /// <c>(t, j)</c> at <c>p·rows·width + t·r + j</c>. Packed once per instance and width (by the constructor for the
    /// width this process's vector path reads, else on the first call that needs it), then shared; the same floats as the
    /// matrix, so results do not change.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="matrix"/> is not 0-3, or <paramref name="width"/> is neither 16 nor 64.</exception>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public ReadOnlySpan<float> Panels(int matrix, int width)
    {
        if ((uint)matrix > OutputMatrix)
        {
            throw new ArgumentOutOfRangeException(nameof(matrix), matrix, "matrix must be 0 (W_Q), 1 (W_K), 2 (W_V) or 3 (W_O).");
        }
        if (width != 16 && width != 64)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "width must be 16 (Vector256 tiles) or 64 (Vector512 tiles).");
        }
        int slot = matrix * 2 + (width == 64 ? 1 : 0);
        float[]? panels = System.Threading.Volatile.Read(ref _panels[slot]);
        if (panels is null)
        {
            float[] w = matrix switch { QueryMatrix => _wq, KeyMatrix => _wk, ValueMatrix => _wv, _ => _wo };
            int cols = matrix is KeyMatrix or ValueMatrix ? KvDim : Dim;
            panels = Pack(w, Dim, cols, width);
            // Two threads may pack at once: both results are the same, one is kept.
            panels = System.Threading.Interlocked.CompareExchange(ref _panels[slot], panels, null) ?? panels;
        }
        return panels;
    }

    private static float[] Pack(float[] w, int rows, int cols, int width)
    {
        float[] packed = new float[w.Length];
        int full = cols / width, o = 0;
        for (int s = 0; s <= full; s++)
        {
            int c0 = s * width, n = s < full ? width : cols - c0;
            for (int t = 0; t < rows && n > 0; t++)
            {
                Array.Copy(w, t * cols + c0, packed, o, n);
                o += n;
            }
        }
        return packed;
    }

    private static float[] Copy(ReadOnlySpan<float> source, int rows, int cols, string paramName, string symbol, string colsName)
    {
        CheckLength(source.Length, rows * cols, paramName, $"{symbol} is [Dim={rows}, {colsName}={cols}], row-major [in, out]");
        return source.ToArray();
    }

    private static float[] CopyBias(ReadOnlySpan<float> source, int length, string paramName, string symbol, string lengthName)
    {
        if (source.IsEmpty) return new float[length];
        CheckLength(source.Length, length, paramName, $"{symbol} is [{lengthName}={length}], or empty for none");
        return source.ToArray();
    }

    private static void CheckLength(int actual, int expected, string paramName, string shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"'{paramName}' must hold exactly {expected} floats ({shape}) but holds {actual}.", paramName);
        }
    }

    /// <summary>[n, n] row-major [out, in] → [in, out].</summary>
    private static float[] Transpose(ReadOnlySpan<float> outIn, int n)
    {
        float[] t = new float[n * n];
        for (int o = 0; o < n; o++)
        {
            ReadOnlySpan<float> row = outIn.Slice(o * n, n);
            for (int i = 0; i < n; i++)
            {
                t[i * n + o] = row[i];
            }
        }
        return t;
    }
}
