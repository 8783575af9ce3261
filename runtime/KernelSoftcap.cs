using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Runtime;

/// <summary>
/// The softcap of the generated kernels, <c>c · tanh(s / c)</c>, on whole vectors of scores.
/// </summary>
/// <remarks>
/// tanh is an odd Taylor polynomial (through x¹³, truncation &lt; 4e-9 relative) for |x| &lt; 0.4 and
/// <c>1 − 2 / (exp(2|x|) + 1)</c> with <see cref="KernelMath"/>'s exp above (a few ulp), saturating at |x| ≥ 9 where
/// float tanh is 1. NaN passes through.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelSoftcap
{
    private const float Small = 0.4f, Saturate = 18f;
    // tanh x = x (1 + x²·P(x²)) with the Taylor coefficients of tanh.
    private const float T3 = -1f / 3f, T5 = 2f / 15f, T7 = -17f / 315f, T9 = 62f / 2835f, T11 = -1382f / 155925f, T13 = 21844f / 6081075f;

    /// <summary><c>cap · tanh(s / cap)</c> per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> s, float cap)
    {
        Vector512<float> x = s / Vector512.Create(cap);
        Vector512<float> ax = Vector512.Abs(x);
        Vector512<float> x2 = x * x;
        Vector512<float> p = Vector512.Create(T13) * x2 + Vector512.Create(T11);
        p = p * x2 + Vector512.Create(T9);
        p = p * x2 + Vector512.Create(T7);
        p = p * x2 + Vector512.Create(T5);
        p = p * x2 + Vector512.Create(T3);
        Vector512<float> small = x + x * (x2 * p);
        Vector512<float> e = KernelMath.Exp(Vector512.Min(ax + ax, Vector512.Create(Saturate)));
        Vector512<float> big = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        big |= x & Vector512.Create(-0f);   // the sign of x
        Vector512<float> t = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(Small)), small, big);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), t * Vector512.Create(cap), x);
    }

    /// <summary><c>cap · tanh(s / cap)</c> per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> s, float cap)
    {
        Vector256<float> x = s / Vector256.Create(cap);
        Vector256<float> ax = Vector256.Abs(x);
        Vector256<float> x2 = x * x;
        Vector256<float> p = Vector256.Create(T13) * x2 + Vector256.Create(T11);
        p = p * x2 + Vector256.Create(T9);
        p = p * x2 + Vector256.Create(T7);
        p = p * x2 + Vector256.Create(T5);
        p = p * x2 + Vector256.Create(T3);
        Vector256<float> small = x + x * (x2 * p);
        Vector256<float> e = KernelMath.Exp(Vector256.Min(ax + ax, Vector256.Create(Saturate)));
        Vector256<float> big = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        big |= x & Vector256.Create(-0f);
        Vector256<float> t = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(Small)), small, big);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), t * Vector256.Create(cap), x);
    }

    /// <summary><c>cap · tanh(s / cap)</c>.</summary>
    public static float Apply(float s, float cap) => cap * MathF.Tanh(s / cap);

    /// <summary>
    /// Softcaps a panel of a block's score rows in place: <paramref name="rows"/> rows <paramref name="stride"/> floats
    /// apart, <paramref name="width"/> floats each (a multiple of 16). One shared copy of the vector tanh, compiled once
    /// per process, instead of one inlined in every softcapped kernel's Q·Kᵀ micro-kernel (NoInlining: the JIT inlines
    /// AggressiveOptimization methods otherwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Rows512(ref float s, int stride, int rows, int width, float cap)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref s, (nint)r * stride);
            for (int c = 0; c < width; c += 16)
            {
                Apply(Vector512.LoadUnsafe(ref row, (nuint)c), cap).StoreUnsafe(ref row, (nuint)c);
            }
        }
    }

    /// <summary>As <see cref="Rows512"/>, with 8-lane vectors (<paramref name="width"/> a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Rows256(ref float s, int stride, int rows, int width, float cap)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref s, (nint)r * stride);
            for (int c = 0; c < width; c += 8)
            {
                Apply(Vector256.LoadUnsafe(ref row, (nuint)c), cap).StoreUnsafe(ref row, (nuint)c);
            }
        }
    }
}
