using AttentionGen;

[Attention(9, 24, 2, Causal = true)]
public partial struct GlobalNamespace9 { }
