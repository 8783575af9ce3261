using AttentionGen;

namespace AttentionGen.Sample;

// The seed example: six words, parameter-free self-attention Y = softmax(X Xᵀ) X.
[Attention(seqLen: 6, dim: 8, heads: 1, Scale = 1f)]
public partial struct SentenceAttention { }

// A transformer encoder layer's attention core: 12 heads of 64 over 128 tokens, scale 1/√64.
[Attention(seqLen: 128, dim: 768, heads: 12)]
public partial struct EncoderAttention { }

// A decoder's masked self-attention.
[Attention(64, 256, 8, Causal = true)]
public partial struct DecoderAttention { }
