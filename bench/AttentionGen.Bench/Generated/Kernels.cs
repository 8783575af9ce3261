using AttentionGen;

namespace AttentionGen.Bench.Generated;

// One generated kernel per benchmark shape (Shapes.All), dense and causal.
[Attention(16, 64, 1)] public partial struct H1_S16_D64 { }
[Attention(16, 64, 1, Causal = true)] public partial struct H1_S16_D64_Causal { }
[Attention(32, 64, 8)] public partial struct H8_S32_D8 { }
[Attention(32, 64, 8, Causal = true)] public partial struct H8_S32_D8_Causal { }
[Attention(64, 128, 4)] public partial struct H4_S64_D32 { }
[Attention(64, 128, 4, Causal = true)] public partial struct H4_S64_D32_Causal { }
[Attention(128, 768, 12)] public partial struct H12_S128_D64 { }
[Attention(128, 768, 12, Causal = true)] public partial struct H12_S128_D64_Causal { }
[Attention(512, 512, 8)] public partial struct H8_S512_D64 { }
[Attention(512, 512, 8, Causal = true)] public partial struct H8_S512_D64_Causal { }
[Attention(2048, 64, 1)] public partial struct H1_S2048_D64 { }
[Attention(2048, 64, 1, Causal = true)] public partial struct H1_S2048_D64_Causal { }
