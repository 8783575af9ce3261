// This file is compiled into both the generator (netstandard2.0) and the runtime library, so the
// limits the analyzers enforce and the limits the runtime documents can never disagree.
namespace AttentionGen
{
    /// <summary>Shape limits of the kernels AttentionGen emits, and the reasons for them.</summary>
    internal static class KernelLimits
    {
        /// <summary>
        /// Largest sequence length (query rows and keys). A kernel keeps one head's packed keys
        /// (SeqLen·HeadDim floats) and a block of score rows (4·SeqLen floats) in a per-thread scratch
        /// buffer; past this length those no longer fit the L2 cache and an online-softmax (streaming)
        /// kernel would be needed, which this version does not emit.
        /// </summary>
        public const int MaxSeqLen = 16384;

        /// <summary>Largest model dimension (columns per row).</summary>
        public const int MaxDim = 16384;

        /// <summary>
        /// Largest head dimension. The Q·Kᵀ reduction over the head dimension is unrolled in chunks and the
        /// P·V accumulators are split into register strips, so any head dimension up to this compiles;
        /// beyond it the packed key panel of one head no longer fits the L2 cache.
        /// </summary>
        public const int MaxHeadDim = 1024;

        /// <summary>Largest number of heads.</summary>
        public const int MaxHeads = 1024;

        /// <summary>
        /// Budget of IL local/argument references per generated method. The JIT compiles a method with
        /// more than 8,000 such references with MinOpts (3.4-8× slower); the generator keeps every method
        /// under this lower budget and loops instead of unrolling when a shape would cross it.
        /// </summary>
        public const int MaxLocalReferencesPerMethod = 6000;
    }
}
