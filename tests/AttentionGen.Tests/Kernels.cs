using AttentionGen;

namespace AttentionGen.Tests;

// Kernels generated at build time by the generator referenced as an analyzer, as a user's project does.

[Attention(seqLen: 128, dim: 768, heads: 12)]
public partial struct Encoder128 { }

[Attention(6, 64, 1, Scale = 1f)]
public partial struct Sentence6 { }

[Attention(64, 256, 8, Causal = true)]
public partial struct Decoder64 { }

// Odd sizes: 37 rows (a 1-row tail block), head dim 20 (not a multiple of 8: packed values, partial stores).
[Attention(37, 60, 3)]
public partial struct Odd37 { }

[Attention(37, 60, 3, Causal = true)]
public partial struct OddCausal37 { }

[Attention(1, 17, 1)]
public partial struct Single1 { }

// Declared in the global namespace, in a file-scoped namespace, and nested: all must work.
public static partial class Outer
{
    [Attention(16, 32, 2)]
    public partial struct Nested16 { }
}

// Large enough to be split across threads: 3 heads (a thread's range ends inside a head),
// one head (row blocks only), causal, and an odd row count (a tail block).
[Attention(130, 96, 3)]
public partial struct Parallel130 { }

[Attention(257, 64, 1, Causal = true)]
public partial struct ParallelCausal257 { }
