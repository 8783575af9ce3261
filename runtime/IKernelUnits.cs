namespace AttentionGen.Runtime;

/// <summary>
/// Infrastructure: work that <see cref="KernelParallel"/> can cut into units and share between threads. Every attention
/// kernel implements it (through <see cref="IAttentionKernel{TSelf}"/>), and so does each projection of a generated
/// <c>Forward</c>. Not for direct use.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IKernelUnits<TSelf> where TSelf : IKernelUnits<TSelf>
{
    /// <summary>
    /// Infrastructure for the serial and parallel entry points: how many units of work one sequence is cut into on the
    /// path this process runs (for an attention kernel: query heads × groups of rows, 1 on the scalar path; for a
    /// projection of <c>Forward</c>: strips of output columns, or rows on the scalar path). Not for direct use.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    static abstract int WorkUnits { get; }

    /// <summary>
    /// Infrastructure for the serial and parallel entry points: computes units <paramref name="first"/> to
    /// <paramref name="end"/> (exclusive) of one sequence whose inputs were already validated, with no mask (a
    /// projection reads A, W and b from the first three references and writes C to the fourth). Every unit computes
    /// exactly what the serial call computes for its rows or columns. <paramref name="state"/> is the calling thread's
    /// state for this sequence (the head whose keys and values are packed in its scratch): −1 before the thread's first
    /// units of a sequence, then left as the previous call on that thread and sequence set it. Not for direct use.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    static abstract void RunUnits(ref float q, ref float k, ref float v, ref float output, int first, int end, ref int state);
}
