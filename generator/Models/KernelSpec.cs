namespace AttentionGen.Generator.Models;

/// <summary>A type that contains the kernel struct (for nested declarations), outermost first.</summary>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The type's name.</param>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>Facts about the consuming compilation that change what code is emitted, or whether any is.</summary>
/// <param name="HasCrossPlatformFma">True when <c>Vector512.FusedMultiplyAdd</c> exists (.NET 9+); otherwise x86 intrinsics are emitted (.NET 8).</param>
/// <param name="CanCompileKernels">
/// False when the generated code could not compile: C# older than 11 (AG0011) or no <c>Vector512</c> (.NET 7 or
/// older, AG0012). Nothing is generated then, so the user sees only the analyzer's diagnostic.
/// </param>
internal sealed record CompilationFacts(bool HasCrossPlatformFma, bool CanCompileKernels = true);

/// <summary>The attribute's shape, validated and with defaults resolved.</summary>
/// <param name="KeyLen">Key/value rows (SeqLen unless cross-attention).</param>
/// <param name="KvHeads">Key/value heads (Heads unless grouped-query attention).</param>
/// <param name="BottomRight">Causal alignment: the last query row is aligned with the last key.</param>
/// <param name="Window">Sliding-window half-width, or <see cref="int.MaxValue"/> for none.</param>
/// <param name="Softcap">Softcap c (scores become c·tanh(s/c)), or 0 for none.</param>
/// <param name="Projections">Whether the layer-level Forward (Q/K/V/O projections) is generated.</param>
internal sealed record KernelShape(int SeqLen, int Dim, int Heads, bool Causal, float Scale, bool ScaleIsDefault,
    int KeyLen, int KvHeads, bool BottomRight = false, int Window = int.MaxValue, float Softcap = 0f, bool Projections = false)
{
    public KernelShape(int seqLen, int dim, int heads, bool causal, float scale, bool scaleIsDefault)
        : this(seqLen, dim, heads, causal, scale, scaleIsDefault, seqLen, heads)
    {
    }

    public int HeadDim => Dim / Heads;

    /// <summary>Columns of k and v.</summary>
    public int KvDim => KvHeads * HeadDim;

    /// <summary>Query heads per key/value head.</summary>
    public int Group => Heads / KvHeads;

    /// <summary>Row i is aligned with key i + AlignmentOffset.</summary>
    public int AlignmentOffset => BottomRight ? KeyLen - SeqLen : 0;

    public bool HasWindow => Window != int.MaxValue;

    /// <summary>True when rows see different key ranges (causal or windowed): the band is computed per block.</summary>
    public bool Banded => Causal || HasWindow;

    /// <summary>True for the plain self-attention shape (SelfAttend is offered).</summary>
    public bool SelfAttention => KeyLen == SeqLen && KvHeads == Heads;
}

/// <summary>Everything the emitter needs for one <c>[Attention]</c> struct: value-equatable, no Roslyn objects.</summary>
/// <param name="Namespace">The struct's namespace, or empty for the global namespace.</param>
/// <param name="Containers">Types the struct is nested in, outermost first.</param>
/// <param name="Name">The struct's name.</param>
/// <param name="Accessibility">The struct's accessibility keyword(s), e.g. <c>public</c>.</param>
/// <param name="IsReadOnly">Whether the user declared it <c>readonly</c>.</param>
/// <param name="HintName">File name for <c>AddSource</c>, derived from the fully qualified metadata name.</param>
/// <param name="Shape">The validated shape.</param>
internal sealed record KernelSpec(
    string Namespace,
    EquatableArray<ContainingType> Containers,
    string Name,
    string HintName,
    KernelShape Shape);
