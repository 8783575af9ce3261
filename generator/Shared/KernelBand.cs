// This file is compiled into both the generator (netstandard2.0) and the runtime library, so the band the
// generator plans for (work estimates) and the band the reference and scalar path apply can never disagree.
namespace AttentionGen
{
    /// <summary>Which keys a query row sees before any mask: causal, sliding window, alignment and key padding.</summary>
    internal static class KernelBand
    {
        /// <summary>
        /// The keys row <paramref name="row"/> sees: <c>[lo, hi)</c>, empty (<c>hi ≤ lo</c>) when it sees none.
        /// Row <c>i</c> is aligned with key <c>i + offset</c>; <paramref name="window"/> is <see cref="int.MaxValue"/> for none.
        /// </summary>
        public static void Visible(int row, int keyLen, int validKeys, int offset, bool causal, int window, out int lo, out int hi)
        {
            long aligned = (long)row + offset;
            long l = 0, h = System.Math.Min(validKeys, keyLen);
            if (causal) h = System.Math.Min(h, aligned + 1);
            if (window != int.MaxValue)
            {
                l = System.Math.Max(l, aligned - window);
                if (!causal) h = System.Math.Min(h, aligned + window + 1);
            }
            lo = (int)System.Math.Min(l, keyLen);
            hi = (int)System.Math.Max(h, lo);
        }
    }
}
