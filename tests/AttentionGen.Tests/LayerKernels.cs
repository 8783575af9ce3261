using AttentionGen;

namespace AttentionGen.Tests;

// Kernels for the layer entry points (LayerTests): pooling over odd head dimensions (tails of 16, 8 and 1 lanes),
// a softcap, a causal kernel (Pool ignores the mask), and batches of the kernels in Kernels.cs.

[Attention(12, 48, 4)]                        // head dim 12: one 8-lane chunk and a scalar tail of 4
public partial struct PoolWords12 { }

[Attention(7, 17, 1)]                         // head dim 17: 16 lanes + 1
public partial struct PoolOdd7 { }

[Attention(5, 90, 2)]                         // head dim 45: 32 + 8 + 5
public partial struct PoolHd45 { }

[Attention(9, 40, 2, Scale = 1f, Softcap = 5f)]   // scores of N(0,1) rows reach ±10: the softcap matters
public partial struct PoolSoftcap9 { }

[Attention(10, 32, 2, Causal = true)]
public partial struct PoolCausal10 { }

[Attention(40, 256, 4)]                       // head dim 64, 40 rows: padded score rows of 48
public partial struct PoolDoc40 { }
