using System;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace AttentionGen;

/// <summary>
/// Runs a generated kernel on <see cref="System.Numerics.Tensors"/> tensors (net10.0 only). Each tensor must be
/// shaped <c>[SeqLen, Dim]</c> or <c>[1, SeqLen, Dim]</c> (a batch of one) for the kernel, and be laid out
/// row-major without gaps (the layout of a <see cref="Tensor{T}"/> created with that shape, or of a
/// <see cref="TensorSpan{T}"/> over a float array). A transposed, sliced-with-gaps or broadcast view is
/// rejected: copy it into a new tensor first (<c>Tensor.CreateFromShape&lt;float&gt;(shape)</c> +
/// <c>view.CopyTo(copy)</c>). Nothing is copied here: the kernel reads and writes the tensors' memory.
/// </summary>
/// <example>
/// <code>
/// Tensor&lt;float&gt; x = Tensor.CreateFromShape&lt;float&gt;([EncoderAttention.SeqLen, EncoderAttention.Dim]);
/// Tensor&lt;float&gt; y = Tensor.CreateFromShape&lt;float&gt;([EncoderAttention.SeqLen, EncoderAttention.Dim]);
/// TensorAttention.SelfAttend&lt;EncoderAttention&gt;(x, y);
/// </code>
/// </example>
public static class TensorAttention
{
    /// <summary>
    /// <c>TKernel.Attend(q, k, v, output)</c> over tensors shaped <c>[SeqLen, Dim]</c> or <c>[1, SeqLen, Dim]</c>.
    /// </summary>
    /// <typeparam name="TKernel">An <c>[Attention]</c> struct.</typeparam>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="output">Receives the attention output; must not overlap an input.</param>
    /// <exception cref="ArgumentException">A tensor's shape or layout does not fit the kernel (the message names
    /// the expected and the actual shape or strides), or the output overlaps an input.</exception>
    public static void Attend<TKernel>(
        in ReadOnlyTensorSpan<float> q, in ReadOnlyTensorSpan<float> k, in ReadOnlyTensorSpan<float> v, in TensorSpan<float> output)
        where TKernel : IAttentionKernel<TKernel>
    {
        ReadOnlySpan<float> qs = AsKernelSpan<TKernel>(q, nameof(q));
        ReadOnlySpan<float> ks = AsKeyValueSpan<TKernel>(k, nameof(k));
        ReadOnlySpan<float> vs = AsKeyValueSpan<TKernel>(v, nameof(v));
        Span<float> os = AsKernelSpan<TKernel>(output, nameof(output));
        TKernel.Attend(qs, ks, vs, os);
    }

    /// <summary>
    /// <c>TKernel.SelfAttend(x, output)</c> (q = k = v = x) over tensors shaped <c>[SeqLen, Dim]</c> or
    /// <c>[1, SeqLen, Dim]</c>.
    /// </summary>
    /// <typeparam name="TKernel">An <c>[Attention]</c> struct.</typeparam>
    /// <param name="x">The input sequence.</param>
    /// <param name="output">Receives the attention output; must not overlap <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">A tensor's shape or layout does not fit the kernel, or the output
    /// overlaps the input.</exception>
    public static void SelfAttend<TKernel>(in ReadOnlyTensorSpan<float> x, in TensorSpan<float> output)
        where TKernel : ISelfAttentionKernel<TKernel>
    {
        ReadOnlySpan<float> xs = AsKernelSpan<TKernel>(x, nameof(x));
        Span<float> os = AsKernelSpan<TKernel>(output, nameof(output));
        TKernel.SelfAttend(xs, os);
    }

    /// <summary>
    /// The <c>SeqLen·Dim</c> floats of a tensor that fits <typeparamref name="TKernel"/>, as the span the kernel's
    /// span overloads take; throws <see cref="ArgumentException"/> (naming <paramref name="paramName"/>, the
    /// expected and the actual shape) if it does not fit.
    /// </summary>
    /// <typeparam name="TKernel">An <c>[Attention]</c> struct.</typeparam>
    /// <param name="tensor">A tensor shaped <c>[SeqLen, Dim]</c> or <c>[1, SeqLen, Dim]</c>, row-major, dense.</param>
    /// <param name="paramName">The name reported in the exception.</param>
    public static ReadOnlySpan<float> AsKernelSpan<TKernel>(in ReadOnlyTensorSpan<float> tensor, string paramName = "tensor")
        where TKernel : IAttentionKernel<TKernel>
    {
        Check<TKernel>(tensor.Lengths, tensor.Strides, tensor.IsEmpty, paramName);
        return MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), TKernel.SeqLen * TKernel.Dim);
    }

    /// <inheritdoc cref="AsKernelSpan{TKernel}(in ReadOnlyTensorSpan{float}, string)"/>
    public static Span<float> AsKernelSpan<TKernel>(in TensorSpan<float> tensor, string paramName = "tensor")
        where TKernel : IAttentionKernel<TKernel>
    {
        Check<TKernel>(tensor.Lengths, tensor.Strides, tensor.IsEmpty, paramName);
        return MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), TKernel.SeqLen * TKernel.Dim);
    }

    /// <summary>
    /// The <c>KeyLen·KvDim</c> floats of a key or value tensor shaped <c>[KeyLen, KvDim]</c> or <c>[1, KeyLen, KvDim]</c>
    /// (KvDim = KvHeads·HeadDim; the same as <see cref="AsKernelSpan{TKernel}(in ReadOnlyTensorSpan{float}, string)"/> for self-attention kernels).
    /// </summary>
    public static ReadOnlySpan<float> AsKeyValueSpan<TKernel>(in ReadOnlyTensorSpan<float> tensor, string paramName = "tensor")
        where TKernel : IAttentionKernel<TKernel>
    {
        int rows = TKernel.KeyLen, cols = TKernel.KvHeads * TKernel.HeadDim;
        Check(typeof(TKernel).Name, rows, cols, "[KeyLen, KvDim]", tensor.Lengths, tensor.Strides, tensor.IsEmpty, paramName);
        return MemoryMarshal.CreateReadOnlySpan(in tensor.GetPinnableReference(), rows * cols);
    }

    private static void Check<TKernel>(ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, bool isEmpty, string paramName)
        where TKernel : IAttentionKernel<TKernel>
        => Check(typeof(TKernel).Name, TKernel.SeqLen, TKernel.Dim, "[SeqLen, Dim]", lengths, strides, isEmpty, paramName);

    private static void Check(string kernel, int seqLen, int dim, string names, ReadOnlySpan<nint> lengths, ReadOnlySpan<nint> strides, bool isEmpty, string paramName)
    {
        bool shapeFits = !isEmpty && (lengths.Length == 2
            ? lengths[0] == seqLen && lengths[1] == dim
            : lengths.Length == 3 && lengths[0] == 1 && lengths[1] == seqLen && lengths[2] == dim);
        if (!shapeFits)
        {
            throw new ArgumentException(
                $"'{paramName}' has shape {Format(lengths)} but {kernel} needs [{seqLen}, {dim}] or [1, {seqLen}, {dim}] ({names}).",
                paramName);
        }

        // Row-major and dense: the last dimension has stride 1 and rows are Dim apart. A length-1 dimension's
        // stride never matters, so [1, Dim] rows and the batch dimension of [1, SeqLen, Dim] accept any stride.
        int r = lengths.Length;
        bool layoutFits = (dim == 1 || strides[r - 1] == 1) && (seqLen == 1 || strides[r - 2] == dim);
        if (!layoutFits)
        {
            string expected = r == 2 ? $"[{dim}, 1]" : $"[*, {dim}, 1]";
            throw new ArgumentException(
                $"'{paramName}' has the right shape {Format(lengths)} but strides {Format(strides)}; {kernel} needs row-major dense " +
                $"memory (strides {expected}). A transposed, strided or broadcast view must be copied into a new tensor first.",
                paramName);
        }
    }

    private static string Format(ReadOnlySpan<nint> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = values[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return "[" + string.Join(", ", parts) + "]";
    }
}
