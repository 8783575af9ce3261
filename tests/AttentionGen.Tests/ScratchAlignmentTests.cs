using System.Runtime.CompilerServices;
using AttentionGen.Runtime;
using Xunit;

namespace AttentionGen.Tests;

/// <summary>
/// The per-thread scratch starts on a 64-byte boundary, so the packed panels, score rows and values the kernels load and
/// store as whole Vector512s never straddle two cache lines (a split access costs about twice as much), whatever address
/// the GC gave the array, and stays usable for the length asked for.
/// </summary>
public sealed class ScratchAlignmentTests
{
    [Fact]
    public void ScratchIsAlignedTo64BytesAndLongEnoughAcrossGrowth()
    {
        // A fresh thread: its scratch is allocated here, grown several times, and reused.
        System.Exception? failure = null;
        var thread = new System.Threading.Thread(() =>
        {
            try
            {
                foreach (int length in new[] { 1, 17, 1000, 1024, 5000, 17_552, 100_000, 17, 250_000 })
                {
                    ref float first = ref KernelScratch.Get(length);
                    nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref first);   // the address, without unsafe code
                    Assert.True(address % 64 == 0, $"scratch of {length} floats starts at {address:X}, not on a 64-byte boundary");
                    Unsafe.Add(ref first, length - 1) = 1f;
                    Unsafe.Add(ref first, length + 15) = 2f;
                    System.GC.Collect();   // a pinned buffer does not move: the same reference after a collection
                    Assert.True(Unsafe.AreSame(ref first, ref KernelScratch.Get(length)), $"scratch of {length} floats moved between two calls");
                }
            }
            catch (System.Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }
}
