using System.ComponentModel;

namespace AttentionGen.Runtime;

/// <summary>
/// Whether a call pads the keys, as a type: the generated row-block methods are generic over it, so the JIT compiles
/// the common unpadded call with the key count as a constant (loop bounds, softmax remainder) and the padded call
/// with the run-time count. Measured: the constant is worth 5-15 % at H4-S64 to H8-S512 (docs/kernel-design.md).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelKeys
{
    /// <summary>True when keys past <c>validKeys</c> are padding.</summary>
    static abstract bool Padded { get; }
}

/// <summary>The two key modes of <see cref="IKernelKeys"/>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelKeys
{
    /// <summary>Every key is real: the row blocks use KeyLen.</summary>
    public readonly struct All : IKernelKeys
    {
        /// <inheritdoc/>
        public static bool Padded => false;
    }

    /// <summary>Keys past validKeys are padding.</summary>
    public readonly struct Padded : IKernelKeys
    {
        /// <inheritdoc/>
        static bool IKernelKeys.Padded => true;
    }
}
