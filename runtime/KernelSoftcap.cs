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
/// <c>(1 − e) / (1 + e)</c>, <c>e = exp(−2|x|)</c> by <see cref="KernelMath.Exp2NonPositive(Vector512{float})"/> (the
/// softmax's own 2^y, so a kernel compiles no second exp) above it; the sign is put back last, so ±0 and ±∞ give ±0 and
/// ±cap. Within 3.3 ulp of <c>cap · tanh(s / cap)</c> (<c>EdgeValueKernelMathTests</c>). NaN passes through.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelSoftcap
{
    private const float Small = 0.4f, MinusTwoLog2E = -2.88539008177792682f;
    // tanh x = x (1 + x²·P(x²)) with the Taylor coefficients of tanh.
    private const float T3 = -1f / 3f, T5 = 2f / 15f, T7 = -17f / 315f, T9 = 62f / 2835f, T11 = -1382f / 155925f, T13 = 21844f / 6081075f;

    /// <summary><c>unit · cap · tanh(s / cap)</c> per lane (<paramref name="unit"/>: 1, or log2 e for the base-2 scores of the vector paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> s, float cap, float unit)
    {
        Vector512<float> x = s / Vector512.Create(cap);
        Vector512<float> sign = x & Vector512.Create(-0f);
        Vector512<float> ax = x ^ sign;
        Vector512<float> x2 = x * x;
        Vector512<float> p = KernelMath.Fma512(Vector512.Create(T13), x2, Vector512.Create(T11));
        p = KernelMath.Fma512(p, x2, Vector512.Create(T9));
        p = KernelMath.Fma512(p, x2, Vector512.Create(T7));
        p = KernelMath.Fma512(p, x2, Vector512.Create(T5));
        p = KernelMath.Fma512(p, x2, Vector512.Create(T3));
        Vector512<float> small = KernelMath.Fma512(ax, x2 * p, ax);
        // tanh |x| = (1 − e) / (1 + e), e = exp(−2|x|) = 2^(−2|x|·log2 e) ∈ [0, 1]: +0 past |x| ≈ 44, so tanh is exactly 1 there.
        Vector512<float> e = KernelMath.Exp2NonPositive(ax * Vector512.Create(MinusTwoLog2E));
        Vector512<float> big = (Vector512<float>.One - e) / (Vector512<float>.One + e);
        Vector512<float> t = Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(Small)), small, big);
        return (t | sign) * Vector512.Create(cap * unit);   // NaN stays NaN through both branches
    }

    /// <summary><c>unit · cap · tanh(s / cap)</c> per lane (<paramref name="unit"/>: 1, or log2 e for the base-2 scores of the vector paths).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> s, float cap, float unit)
    {
        Vector256<float> x = s / Vector256.Create(cap);
        Vector256<float> sign = x & Vector256.Create(-0f);
        Vector256<float> ax = x ^ sign;
        Vector256<float> x2 = x * x;
        Vector256<float> p = KernelMath.Fma256(Vector256.Create(T13), x2, Vector256.Create(T11));
        p = KernelMath.Fma256(p, x2, Vector256.Create(T9));
        p = KernelMath.Fma256(p, x2, Vector256.Create(T7));
        p = KernelMath.Fma256(p, x2, Vector256.Create(T5));
        p = KernelMath.Fma256(p, x2, Vector256.Create(T3));
        Vector256<float> small = KernelMath.Fma256(ax, x2 * p, ax);
        // tanh |x| = (1 − e) / (1 + e), e = exp(−2|x|) = 2^(−2|x|·log2 e) ∈ [0, 1]: +0 past |x| ≈ 44, so tanh is exactly 1 there.
        Vector256<float> e = KernelMath.Exp2NonPositive(ax * Vector256.Create(MinusTwoLog2E));
        Vector256<float> big = (Vector256<float>.One - e) / (Vector256<float>.One + e);
        Vector256<float> t = Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(Small)), small, big);
        return (t | sign) * Vector256.Create(cap * unit);   // NaN stays NaN through both branches
    }

    /// <summary><c>cap · tanh(s / cap)</c>.</summary>
    public static float Apply(float s, float cap) => cap * MathF.Tanh(s / cap);

    /// <summary>
    /// Softcaps a panel of a block's score rows in place, <c>s ← unit · cap · tanh(s / cap)</c> (<paramref name="unit"/> =
    /// log2 e puts them in the base-2 units of the softmax): <paramref name="rows"/> rows <paramref name="stride"/> floats
    /// apart, <paramref name="width"/> floats each (a multiple of 16). One shared copy of the vector tanh, compiled once
    /// per process, instead of one inlined in every softcapped kernel's Q·Kᵀ micro-kernel (NoInlining: the JIT inlines
    /// AggressiveOptimization methods otherwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Rows512(ref float s, int stride, int rows, int width, float cap, float unit)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref s, (nint)r * stride);
            for (int c = 0; c < width; c += 16)
            {
                Apply(Vector512.LoadUnsafe(ref row, (nuint)c), cap, unit).StoreUnsafe(ref row, (nuint)c);
            }
        }
    }

    /// <summary>As <see cref="Rows512"/>, with 8-lane vectors (<paramref name="width"/> a multiple of 8).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Rows256(ref float s, int stride, int rows, int width, float cap, float unit)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref s, (nint)r * stride);
            for (int c = 0; c < width; c += 8)
            {
                Apply(Vector256.LoadUnsafe(ref row, (nuint)c), cap, unit).StoreUnsafe(ref row, (nuint)c);
            }
        }
    }
}
