using AttentionGen;

namespace AttentionGen.Tests;

// Kernels with Projections = true (the generated Forward), generated at build time as a user's project does.

[Attention(7, 16, 1, Projections = true)]
public partial struct Proj_H1_S7_D16 { }

// Odd model dimension: Dim 20, HeadDim 5. Vector512: a 1-vector tile + 4 scalar columns; Vector256: a tile of 2
// vectors + 4 scalar columns; 33 rows = 5 blocks of 6 + a tile of 3 rows.
[Attention(33, 20, 4, Projections = true)]
public partial struct Proj_H4_S33_D20 { }

[Attention(33, 64, 4, Causal = true, Projections = true)]
public partial struct Proj_H4_S33_D64_Causal { }

[Attention(1, 64, 4, Projections = true)]
public partial struct Proj_H4_S1_D64 { }

// BERT-base: 12 heads of 64, Dim 768 (12 tiles of 64 columns on Vector512, 48 of 16 on Vector256).
[Attention(128, 768, 12, Projections = true)]
public partial struct Proj_H12_S128_D768 { }

// Dim 200: 3 Vector512 tiles of 64 + 0 extra + 8 scalar columns; 1 Vector256 extra vector.
[Attention(7, 200, 4, Scale = 1f, Projections = true)]
public partial struct Proj_H4_S7_D200 { }

// Cross-attention: 7 query rows, 33 key/value rows (source [33, Dim]).
[Attention(7, 64, 4, KeyLen = 33, Projections = true)]
public partial struct Proj_H4_S7_K33_D64 { }

// Grouped-query attention: 4 query heads share 2 key/value heads (W_K, W_V [Dim, KvDim = 32]).
[Attention(16, 64, 4, KvHeads = 2, Projections = true)]
public partial struct Proj_H4_Kv2_S16_D64 { }

// Large enough for the parallel Forward to use 2 threads in every phase (each projection ≥ 8 MFLOP), with tails:
// Dim 200 (Vector512: 3 strips of 64, then a unit of 8 scalar columns; Vector256: 12 strips of 16, then a unit of
// one 8-column vector), 100 rows = 16 blocks of 6 + a tile of 4 rows.
[Attention(100, 200, 4, Projections = true)]
public partial struct Proj_H4_S100_D200 { }

// Causal cross-attention with grouped-query heads and a key/value source of another length, parallel K and V
// projections of KvDim 64: 2·300·256·64 ≈ 9.8 MFLOP each.
[Attention(96, 256, 8, KvHeads = 2, KeyLen = 300, Causal = true, Projections = true)]
public partial struct Proj_H8_Kv2_S96_K300_D256_Causal { }
