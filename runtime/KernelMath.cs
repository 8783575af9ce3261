using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics.X86;
#endif

namespace AttentionGen.Runtime;

/// <summary>
/// Shape-independent vector math that generated kernels call: a fast 2^y, reductions and the softmax pass over one
/// row of scores. Small helpers are <see cref="MethodImplOptions.AggressiveInlining"/>, so they compile into the kernel
/// that calls them; the row passes shared by every kernel are one copy per process.
/// </summary>
/// <remarks>
/// <para>
/// The vector paths keep scores in base-2 units, <c>s · log2 e</c> (the kernels fold log2 e into their Q·Kᵀ scale or
/// their softcap), so the softmax takes <c>2^(s − max)</c>: <see cref="Exp2NonPositive(Vector512{float})"/> needs no
/// range reduction by ln 2. It is ≤ 2 ulp on [−126, 0], exactly 1 at 0, exactly 0 below −126.5 (so −∞ gives 0) and NaN
/// for NaN: the regime of softmax, where every argument is a score minus the row maximum (≤ 0).
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class KernelMath
{
    internal const float Log2E = 1.44269504088896341f;   // scores × log2 e are in the base-2 units the vector softmax passes take
    private const float Magic = 12583039f;        // 1.5·2²³ + 127: rounds x·log2e and biases the exponent
    // Exp2NonPositive: 2^f on [−0.5, 0.5], degree 6, fitted at the Chebyshev nodes (≤ 2.6e-9 relative before rounding,
    // ≤ 1.4 ulp in float arithmetic); E0 = 1.
    private const float Floor2 = -127.0f;         // round(y) = −127 builds 2ⁿ as +0
    private const float E1 = 6.9314718246e-01f;
    private const float E2 = 2.4022650719e-01f;
    private const float E3 = 5.5503271520e-02f;
    private const float E4 = 9.6180569381e-03f;
    private const float E5 = 1.3400427997e-03f;
    private const float E6 = 1.5461444855e-04f;

    // ---------------------------------------------------------------- Vector512

    /// <summary>Largest lane (NaN if any lane is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> v) =>
        MaxAcross(Max256(v.GetLower(), v.GetUpper()));

    /// <summary>
    /// Softmax pass over one row of scores in base-2 units (<c>s · log2 e</c>, see the type remarks): lanes
    /// <c>[valid, end)</c> are set to 0, lanes <c>[0, valid)</c> are replaced by <c>2^(s − max)</c>. Returns <c>1/Σ</c>, or 0 when every valid score is −∞ (a
    /// fully masked row, whose output is then zeros). <paramref name="end"/> rounded up to 16 must lie
    /// inside the row buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]   // one shared copy: compiled once per process, not inlined into every windowed kernel
    public static float SoftmaxRow512(ref float row, int valid, int end)
    {
        float f = SoftmaxRow512(ref row, Vector512.Create(float.NegativeInfinity), 0, valid);
        for (int c = (valid + 15) >> 4; c < (end + 15) >> 4; c++)
        {
            Vector512<float>.Zero.StoreUnsafe(ref row, (nuint)(c << 4));
        }
        return f;
    }

    /// <summary>
    /// As <see cref="SoftmaxRow512(ref float, int, int)"/> with <c>end = valid</c>, for a row whose scores
    /// <c>[0, from)</c> were already reduced into the lane-wise maximum <paramref name="max"/> while they were
    /// stored (the Q·Kᵀ epilogue of an unmasked call): only keys <c>[from, valid)</c> are read for the
    /// maximum. <paramref name="from"/> is a multiple of 16; lanes of the last vector past
    /// <paramref name="valid"/> are set to 0 (whatever they held).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftmaxRow512(ref float row, Vector512<float> max, int from, int valid)
    {
        int full = valid >> 4;
        int rem = valid & 15;
        Vector512<float> m = max, m2 = Vector512.Create(float.NegativeInfinity);
        int c = from >> 4;
        for (; c + 1 < full; c += 2)   // two chains: the max latency, not its throughput, bounds this loop
        {
            m = Max512(m, Vector512.LoadUnsafe(ref row, (nuint)(c << 4)));
            m2 = Max512(m2, Vector512.LoadUnsafe(ref row, (nuint)((c + 1) << 4)));
        }
        if (c < full)
        {
            m = Max512(m, Vector512.LoadUnsafe(ref row, (nuint)(c << 4)));
        }
        int vectors = full;
        if (rem != 0)
        {
            Vector512<float> keep = Vector512.LessThan(Index512, Vector512.Create((float)rem));
            Vector512<float> last = Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref row, (nuint)(full << 4)), Vector512.Create(float.NegativeInfinity));
            last.StoreUnsafe(ref row, (nuint)(full << 4));
            m2 = Max512(m2, last);
            vectors++;
        }
        Vector512<float> mv = BroadcastMax512(Max512(m, m2));
        if (mv.ToScalar() == float.NegativeInfinity)
        {
            if (HasNaN(ref row, valid))
            {
                return float.NaN;   // the native max above may drop a NaN score: the row's output is NaN
            }
            for (c = 0; c < vectors; c++)
            {
                Vector512<float>.Zero.StoreUnsafe(ref row, (nuint)(c << 4));
            }
            return 0f;
        }
        Vector512<float> sum = Vector512<float>.Zero;
        for (c = 0; c < vectors; c++)
        {
            Vector512<float> e = Exp2NonPositive(Vector512.LoadUnsafe(ref row, (nuint)(c << 4)) - mv);
            e.StoreUnsafe(ref row, (nuint)(c << 4));
            sum += e;
        }
        return 1f / SumAcross(sum);
    }

    /// <summary>
    /// The maximum of a row's scores, in every lane, for a softmax pass that the caller writes (interleaving the
    /// rows of a block): <paramref name="max"/> holds the lane-wise maximum of keys <c>[0, from)</c>, keys
    /// <c>[from, valid)</c> are read here, and the lanes past <paramref name="valid"/> up to <paramref name="end"/>
    /// rounded up to 16 are set to −∞ (so that exp gives 0 there: the keys a causal block computes for its later rows). A row whose every score is −∞ (or NaN dropped by the native max) gets
    /// 0: 2^(s − 0) is then 0 for −∞ and NaN for NaN, and <see cref="Reciprocal"/> of the sum gives 0 or NaN.
    /// <paramref name="from"/> is a multiple of 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> RowMax512(ref float row, Vector512<float> max, int from, int valid, int end)
    {
        int full = valid >> 4;
        int rem = valid & 15;
        Vector512<float> m = max, m2 = Vector512.Create(float.NegativeInfinity);
        int c = from >> 4;
        for (; c + 1 < full; c += 2)
        {
            m = Max512(m, Vector512.LoadUnsafe(ref row, (nuint)(c << 4)));
            m2 = Max512(m2, Vector512.LoadUnsafe(ref row, (nuint)((c + 1) << 4)));
        }
        if (c < full)
        {
            m = Max512(m, Vector512.LoadUnsafe(ref row, (nuint)(c << 4)));
        }
        if (rem != 0)
        {
            Vector512<float> keep = Vector512.LessThan(Index512, Vector512.Create((float)rem));
            Vector512<float> last = Vector512.ConditionalSelect(keep, Vector512.LoadUnsafe(ref row, (nuint)(full << 4)), Vector512.Create(float.NegativeInfinity));
            last.StoreUnsafe(ref row, (nuint)(full << 4));
            m2 = Max512(m2, last);
        }
        for (c = (valid + 15) >> 4; c < (end + 15) >> 4; c++)
        {
            Vector512.Create(float.NegativeInfinity).StoreUnsafe(ref row, (nuint)(c << 4));
        }
        Vector512<float> mv = BroadcastMax512(Max512(m, m2));
        return mv.ToScalar() == float.NegativeInfinity ? Vector512<float>.Zero : mv;
    }

    /// <summary>1/Σ of a softmax row, 0 when Σ = 0 (a row that sees no key: its output is zeros); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Reciprocal(float sum) => sum == 0f ? 0f : 1f / sum;

    /// <summary>
    /// f_r = 1/Σ (<see cref="InverseSum(Vector512{float})"/>) of <paramref name="rows"/> softmax rows from their lane-wise
    /// partial sums (one vector per row at <paramref name="sums"/>) to <paramref name="factors"/>[r]. The P·V micro-kernels
    /// call it before their FMA loop, which does not depend on it, so that its latency (a horizontal sum and a division per
    /// row) overlaps the FMAs; one shared copy keeps it out of every kernel's JIT time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void InverseSums512(ref float sums, ref float factors, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            Unsafe.Add(ref factors, r) = InverseSum(Vector512.LoadUnsafe(ref sums, (nuint)(r * 16)));
        }
    }

    /// <summary>As <see cref="InverseSums512"/>, for Vector256 partial sums (8 floats per row).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void InverseSums256(ref float sums, ref float factors, int rows)
    {
        for (int r = 0; r < rows; r++)
        {
            Unsafe.Add(ref factors, r) = InverseSum(Vector256.LoadUnsafe(ref sums, (nuint)(r * 8)));
        }
    }

    /// <summary>1/Σ of a softmax row from its lane-wise partial sums (<see cref="Reciprocal"/> of <see cref="SumAcross(Vector512{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InverseSum(Vector512<float> sums) => Reciprocal(SumAcross(sums));

    /// <summary>1/Σ of a softmax row from its lane-wise partial sums (<see cref="Reciprocal"/> of <see cref="SumAcross(Vector256{float})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InverseSum(Vector256<float> sums) => Reciprocal(SumAcross(sums));


    /// <summary>
    /// 2^y for softmax arguments in base-2 units, <c>y = (s − max)·log2 e ≤ 0</c> (or NaN): the kernels keep their scores
    /// multiplied by log2 e (folded into the Q·Kᵀ scale), so exp needs no range reduction by ln 2. n = round(y), f = y − n
    /// (exact), 2^f by a degree-6 polynomial, 2ⁿ built from the rounding add: ≤ 2 ulp on [−126, 0], exactly 1 at 0. Arguments
    /// are clamped at −127, where 2ⁿ is built as +0, so the result is exactly 0 below −126.5 (−∞ gives 0), and NaN stays NaN.
    /// 7 multiply-add-pipe operations per vector, against 11 for exp with a range reduction by ln 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp2NonPositive(Vector512<float> y)
    {
        Vector512<float> yc = Max512(Vector512.Create(Floor2), y);
        Vector512<float> t = yc + Vector512.Create(Magic);
        Vector512<float> f = yc - (t - Vector512.Create(Magic));
        Vector512<float> p = Fma512(Vector512.Create(E6), f, Vector512.Create(E5));
        p = Fma512(p, f, Vector512.Create(E4));
        p = Fma512(p, f, Vector512.Create(E3));
        p = Fma512(p, f, Vector512.Create(E2));
        p = Fma512(p, f, Vector512.Create(E1));
        p = Fma512(p, f, Vector512<float>.One);
        return p * Vector512.ShiftLeft(t.AsInt32(), 23).AsSingle();
    }

    /// <summary>Lane-wise native maximum (a NaN lane may or may not win: callers handle NaN through exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MaxLanes(Vector512<float> a, Vector512<float> b) => Max512(a, b);

    /// <summary>The largest lane of <paramref name="v"/> in every lane (a butterfly of four shuffles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BroadcastMax512(Vector512<float> v)
    {
        v = Max512(v, Vector512.Shuffle(v, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
        v = Max512(v, Vector512.Shuffle(v, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)));
        v = Max512(v, Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)));
        return Max512(v, Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
    }

    /// <summary>Sum of the lanes, in a short tree (halves, then pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector512<float> v) => SumAcross(v.GetLower() + v.GetUpper());

    /// <summary>Sum of the lanes, in a short tree (halves, then pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SumAcross(Vector256<float> v)
    {
        Vector128<float> h = v.GetLower() + v.GetUpper();
        h += Vector128.Shuffle(h, Vector128.Create(2, 3, 0, 1));
        h += Vector128.Shuffle(h, Vector128.Create(1, 0, 3, 2));
        return h.ToScalar();
    }

    private static readonly Vector512<float> Index512 =
        Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);

    // ---------------------------------------------------------------- Vector256


    /// <summary>Largest lane; with the native max a NaN lane may or may not win (callers handle NaN through exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector256<float> v)
    {
        Vector256<float> m = Max256(v, Vector256.Shuffle(v, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
        m = Max256(m, Vector256.Shuffle(m, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
        m = Max256(m, Vector256.Shuffle(m, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
        return m.ToScalar();
    }

    // True when one of the first `count` floats of the row is NaN (only on the rare fully-masked path).
    private static bool HasNaN(ref float row, int count)
    {
        for (int j = 0; j < count; j++)
        {
            if (float.IsNaN(Unsafe.Add(ref row, j)))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>As <see cref="SoftmaxRow512(ref float, int, int)"/>, with 8-lane vectors (<paramref name="end"/> rounded up to 8 must lie inside the row).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]   // one shared copy: compiled once per process, not inlined into every windowed kernel
    public static float SoftmaxRow256(ref float row, int valid, int end)
    {
        float f = SoftmaxRow256(ref row, Vector256.Create(float.NegativeInfinity), 0, valid);
        for (int c = (valid + 7) >> 3; c < (end + 7) >> 3; c++)
        {
            Vector256<float>.Zero.StoreUnsafe(ref row, (nuint)(c << 3));
        }
        return f;
    }

    /// <summary>As <see cref="SoftmaxRow512(ref float, Vector512{float}, int, int)"/>, with 8-lane vectors (<paramref name="from"/> a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SoftmaxRow256(ref float row, Vector256<float> max, int from, int valid)
    {
        int full = valid >> 3;
        int rem = valid & 7;
        Vector256<float> m = max, m2 = Vector256.Create(float.NegativeInfinity);
        int c = from >> 3;
        for (; c + 1 < full; c += 2)
        {
            m = Max256(m, Vector256.LoadUnsafe(ref row, (nuint)(c << 3)));
            m2 = Max256(m2, Vector256.LoadUnsafe(ref row, (nuint)((c + 1) << 3)));
        }
        if (c < full)
        {
            m = Max256(m, Vector256.LoadUnsafe(ref row, (nuint)(c << 3)));
        }
        int vectors = full;
        if (rem != 0)
        {
            Vector256<float> keep = Vector256.LessThan(Index256, Vector256.Create((float)rem));
            Vector256<float> last = Vector256.ConditionalSelect(keep, Vector256.LoadUnsafe(ref row, (nuint)(full << 3)), Vector256.Create(float.NegativeInfinity));
            last.StoreUnsafe(ref row, (nuint)(full << 3));
            m2 = Max256(m2, last);
            vectors++;
        }
        Vector256<float> mv = BroadcastMax256(Max256(m, m2));
        if (mv.ToScalar() == float.NegativeInfinity)
        {
            if (HasNaN(ref row, valid))
            {
                return float.NaN;   // the native max above may drop a NaN score: the row's output is NaN
            }
            for (c = 0; c < vectors; c++)
            {
                Vector256<float>.Zero.StoreUnsafe(ref row, (nuint)(c << 3));
            }
            return 0f;
        }
        Vector256<float> sum = Vector256<float>.Zero;
        for (c = 0; c < vectors; c++)
        {
            Vector256<float> e = Exp2NonPositive(Vector256.LoadUnsafe(ref row, (nuint)(c << 3)) - mv);
            e.StoreUnsafe(ref row, (nuint)(c << 3));
            sum += e;
        }
        return 1f / SumAcross(sum);
    }

    /// <summary>As <see cref="RowMax512"/>, with 8-lane vectors (<paramref name="from"/> a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RowMax256(ref float row, Vector256<float> max, int from, int valid, int end)
    {
        int full = valid >> 3;
        int rem = valid & 7;
        Vector256<float> m = max, m2 = Vector256.Create(float.NegativeInfinity);
        int c = from >> 3;
        for (; c + 1 < full; c += 2)
        {
            m = Max256(m, Vector256.LoadUnsafe(ref row, (nuint)(c << 3)));
            m2 = Max256(m2, Vector256.LoadUnsafe(ref row, (nuint)((c + 1) << 3)));
        }
        if (c < full)
        {
            m = Max256(m, Vector256.LoadUnsafe(ref row, (nuint)(c << 3)));
        }
        if (rem != 0)
        {
            Vector256<float> keep = Vector256.LessThan(Index256, Vector256.Create((float)rem));
            Vector256<float> last = Vector256.ConditionalSelect(keep, Vector256.LoadUnsafe(ref row, (nuint)(full << 3)), Vector256.Create(float.NegativeInfinity));
            last.StoreUnsafe(ref row, (nuint)(full << 3));
            m2 = Max256(m2, last);
        }
        for (c = (valid + 7) >> 3; c < (end + 7) >> 3; c++)
        {
            Vector256.Create(float.NegativeInfinity).StoreUnsafe(ref row, (nuint)(c << 3));
        }
        Vector256<float> mv = BroadcastMax256(Max256(m, m2));
        return mv.ToScalar() == float.NegativeInfinity ? Vector256<float>.Zero : mv;
    }

    /// <summary>2^y for base-2 softmax arguments, as <see cref="Exp2NonPositive(Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp2NonPositive(Vector256<float> y)
    {
        Vector256<float> yc = Max256(Vector256.Create(Floor2), y);
        Vector256<float> t = yc + Vector256.Create(Magic);
        Vector256<float> f = yc - (t - Vector256.Create(Magic));
        Vector256<float> p = Fma256(Vector256.Create(E6), f, Vector256.Create(E5));
        p = Fma256(p, f, Vector256.Create(E4));
        p = Fma256(p, f, Vector256.Create(E3));
        p = Fma256(p, f, Vector256.Create(E2));
        p = Fma256(p, f, Vector256.Create(E1));
        p = Fma256(p, f, Vector256<float>.One);
        return p * Vector256.ShiftLeft(t.AsInt32(), 23).AsSingle();
    }


    /// <summary>Lane-wise native maximum (a NaN lane may or may not win: callers handle NaN through exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MaxLanes(Vector256<float> a, Vector256<float> b) => Max256(a, b);

    /// <summary>The largest lane of <paramref name="v"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> BroadcastMax256(Vector256<float> v)
    {
        v = Max256(v, Vector256.Shuffle(v, Vector256.Create(4, 5, 6, 7, 0, 1, 2, 3)));
        v = Max256(v, Vector256.Shuffle(v, Vector256.Create(2, 3, 0, 1, 6, 7, 4, 5)));
        return Max256(v, Vector256.Shuffle(v, Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)));
    }

    private static readonly Vector256<float> Index256 = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);

    // ---------------------------------------------------------------- scalar

    /// <summary>
    /// Scalar softmax pass with the contract of <see cref="SoftmaxRow512(ref float, int, int)"/>, but in natural units
    /// (the scalar paths do not scale their scores by log2 e): the lanes become <c>exp(s − max)</c> by <see cref="MathF.Exp"/>.
    /// </summary>
    public static float SoftmaxRowScalar(ref float row, int valid, int end)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < valid; j++)
        {
            float s = Unsafe.Add(ref row, j);
            max = float.IsNaN(s) ? s : MathF.Max(max, s);
        }
        if (max == float.NegativeInfinity)
        {
            for (int j = 0; j < end; j++) Unsafe.Add(ref row, j) = 0f;
            return 0f;
        }
        float sum = 0f;
        for (int j = 0; j < valid; j++)
        {
            float e = MathF.Exp(Unsafe.Add(ref row, j) - max);
            Unsafe.Add(ref row, j) = e;
            sum += e;
        }
        for (int j = valid; j < end; j++) Unsafe.Add(ref row, j) = 0f;
        return 1f / sum;
    }

    // ---------------------------------------------------------------- primitives per target framework

#if NET9_0_OR_GREATER
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Max512(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Max256(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
#else
    // .NET 8 has no cross-platform FusedMultiplyAdd/MaxNative: the vector paths that call these only run
    // where Avx512F (Vector512) or Fma (Vector256) is supported, which the generated dispatch checks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Max512(Vector512<float> a, Vector512<float> b) => Avx512F.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Max256(Vector256<float> a, Vector256<float> b) => Avx.Max(a, b);
#endif
}
