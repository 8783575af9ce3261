using System;
using AttentionGen.Runtime;

namespace AttentionGen;

// Float64 references of the layer-level features built on attention.
public static partial class AttentionReference
{
    /// <summary>
    /// Self-attention concatenated to its input: row <c>i</c> of <paramref name="output"/> is <c>[x_i, c_i]</c>,
    /// with <c>c = Attend(x, x, x)</c> under every option of <paramref name="problem"/>.
    /// </summary>
    /// <param name="problem">The shape and options; self-attention, so KeyLen = SeqLen and KvHeads = Heads.</param>
    /// <param name="x">Input, row-major <c>[SeqLen, Dim]</c> (queries, keys and values).</param>
    /// <param name="output">Receives <c>[SeqLen, 2·Dim]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The problem is invalid or not self-attention.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length. Nothing is written then.</exception>
    public static void SelfAttendConcat(AttentionProblem problem, ReadOnlySpan<float> x, Span<double> output)
    {
        problem.Validate();
        RequireSelfAttention(problem);
        int s = problem.SeqLen, dim = problem.Dim;
        CheckLength(x.Length, (long)s * dim, nameof(x), $"SeqLen={s} × Dim={dim}");
        CheckLength(output.Length, 2L * s * dim, nameof(output), $"SeqLen={s} × 2·Dim={2 * dim}");
        double[] c = new double[s * dim];
        Compute(problem, problem.EffectiveScale, x, x, x, c, default, default);
        for (int i = 0; i < s; i++)
        {
            Span<double> row = output.Slice(2 * i * dim, 2 * dim);
            for (int d = 0; d < dim; d++) row[d] = x[i * dim + d];
            c.AsSpan(i * dim, dim).CopyTo(row.Slice(dim));
        }
    }

    /// <summary>
    /// Attention pooling: one learned query per head attends over the <c>SeqLen</c> rows of <paramref name="x"/>,
    /// which serve as keys and values. Head <c>h</c> uses columns <c>[h·HeadDim, (h+1)·HeadDim)</c> of the query,
    /// of x and of the output; score <c>= EffectiveScale · query_h·x_j</c>, then the softcap if one is set.
    /// </summary>
    /// <param name="problem">
    /// The shape (SeqLen rows, Dim, Heads; KvHeads = Heads, KeyLen = SeqLen), Scale and Softcap. Causal, Window and
    /// Alignment do not apply to pooling and are ignored: every row is attended to.
    /// </param>
    /// <param name="x">Rows to pool, row-major <c>[SeqLen, Dim]</c>.</param>
    /// <param name="query">The query vector, <c>[Dim]</c>.</param>
    /// <param name="output">Receives <c>[Dim]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The problem is invalid or has KvHeads ≠ Heads or KeyLen ≠ SeqLen.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length. Nothing is written then.</exception>
    public static void Pool(AttentionProblem problem, ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<double> output)
        => Pool(problem, x, query, output, problem.SeqLen);

    /// <summary>
    /// <see cref="Pool(AttentionProblem, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{double})"/> over the first
    /// <paramref name="validRows"/> rows of <paramref name="x"/> only (rows at or past it are padding and never read).
    /// </summary>
    /// <param name="problem">As for the overload without <paramref name="validRows"/>.</param>
    /// <param name="x">Rows to pool, row-major <c>[SeqLen, Dim]</c>.</param>
    /// <param name="query">The query vector, <c>[Dim]</c>.</param>
    /// <param name="output">Receives <c>[Dim]</c>.</param>
    /// <param name="validRows">Rows to attend to, 1 to SeqLen.</param>
    /// <exception cref="ArgumentOutOfRangeException">The problem or <paramref name="validRows"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length. Nothing is written then.</exception>
    public static void Pool(AttentionProblem problem, ReadOnlySpan<float> x, ReadOnlySpan<float> query, Span<double> output, int validRows)
    {
        problem.Validate();
        if (problem.KvHeads != problem.Heads)
        {
            throw new ArgumentOutOfRangeException(nameof(problem.KvHeads), problem.KvHeads,
                $"KvHeads is {problem.KvHeads}; pooling reads keys and values from x, so it must equal Heads ({problem.Heads}).");
        }
        if (problem.KeyLen != problem.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(problem.KeyLen), problem.KeyLen,
                $"KeyLen is {problem.KeyLen}; pooling attends over the SeqLen rows of x, so it must equal SeqLen ({problem.SeqLen}).");
        }
        if (validRows < 1 || validRows > problem.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(validRows), validRows, $"validRows is {validRows}; expected 1..SeqLen ({problem.SeqLen}).");
        }
        int s = problem.SeqLen, dim = problem.Dim;
        CheckLength(x.Length, (long)s * dim, nameof(x), $"SeqLen={s} × Dim={dim}");
        CheckLength(query.Length, dim, nameof(query), $"Dim={dim}");
        CheckLength(output.Length, dim, nameof(output), $"Dim={dim}");
        // One query row against SeqLen keys, nothing but the key padding hiding any of them.
        var single = new AttentionProblem(1, dim, problem.Heads) { KeyLen = s, Scale = problem.Scale, Softcap = problem.Softcap };
        Compute(single, problem.EffectiveScale, query, x, x, output, KernelMask.Padding(validRows), default);
    }

    private static void RequireSelfAttention(in AttentionProblem p)
    {
        if (p.KeyLen != p.SeqLen)
        {
            throw new ArgumentOutOfRangeException(nameof(p.KeyLen), p.KeyLen, $"KeyLen is {p.KeyLen}; self-attention needs KeyLen = SeqLen ({p.SeqLen}).");
        }
        if (p.KvHeads != p.Heads)
        {
            throw new ArgumentOutOfRangeException(nameof(p.KvHeads), p.KvHeads, $"KvHeads is {p.KvHeads}; self-attention on x needs KvHeads = Heads ({p.Heads}).");
        }
    }
}
