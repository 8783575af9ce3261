namespace AttentionGen.Generator;

/// <summary>Names of the incremental pipeline steps, so tests can check what was cached.</summary>
internal static class TrackingNames
{
    public const string Kernels = nameof(Kernels);
    public const string ValidKernels = nameof(ValidKernels);
    public const string Facts = nameof(Facts);
    public const string KernelsWithFacts = nameof(KernelsWithFacts);
    public const string CompilableKernels = nameof(CompilableKernels);
}
