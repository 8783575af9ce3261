using System;
using AttentionGen.Bench.Generated;
using AttentionGen.Runtime;
using BenchmarkDotNet.Attributes;

namespace AttentionGen.Bench;

// The feature kernels of FeatureBenchmarks.
[Attention(2048, 64, 1, Causal = true, Window = 128)] public partial struct H1_S2048_D64_CausalWindow128 { }
[Attention(256, 1024, 16, KvHeads = 4)] public partial struct H16_Kv4_S256_D64 { }
[Attention(256, 1024, 16)] public partial struct H16_S256_D64 { }
[Attention(1, 4096, 32, KeyLen = 1024, KvHeads = 8, Causal = true, CausalAlignment = CausalAlignment.BottomRight)] public partial struct DecodeStep_H32_Kv8_K1024_D128 { }
[Attention(128, 768, 12, Softcap = 50f)] public partial struct H12_S128_D64_Softcap { }

/// <summary>
/// What each feature costs next to the core kernel and next to building it from masks, one thread, 0 B allocated:
/// <list type="bullet">
/// <item>Window: causal S2048 with <c>Window = 128</c> (band skipped at the block level) vs the full causal kernel vs the
/// full kernel with an additive band mask (compute, then discard).</item>
/// <item>GQA: 16 query heads over 4 key/value heads vs 16 full heads (K and V repeated), S256 d64.</item>
/// <item>Decode step: 1 query over 1,024 cached keys, 32 query heads, 8 key/value heads of 128 (bottom-right causal).</item>
/// <item>Masks and padding at H12-S128-d64: plain, additive, boolean and bit-packed masks (all allowing every key:
/// the cost of applying them) and key padding to 64 of 128 keys.</item>
/// <item>Softcap 50 at H12-S128-d64.</item>
/// </list>
/// Every setup checks the kernels against the float64 reference first.
/// </summary>
[MemoryDiagnoser]
public class FeatureBenchmarks
{
    private float[] _x2048 = null!, _o2048 = null!, _band = null!;
    private float[] _q256 = null!, _kv256 = null!, _kvFull = null!, _o256 = null!;
    private float[] _qStep = null!, _kvStep = null!, _oStep = null!;
    private float[] _x128 = null!, _o128 = null!, _zeros = null!;
    private bool[] _allowed = null!;
    private byte[] _bits = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        float[] Draw(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1); return a; }

        _x2048 = Draw(2048 * 64);
        _o2048 = new float[_x2048.Length];
        _band = new float[2048 * 2048];
        for (int i = 0; i < 2048; i++)
            for (int j = 0; j < 2048; j++)
                _band[i * 2048 + j] = j <= i && j >= i - 128 ? 0f : float.NegativeInfinity;
        Check(H1_S2048_D64_CausalWindow128.Problem, _x2048, _x2048, () => H1_S2048_D64_CausalWindow128.Attend(_x2048, _x2048, _x2048, _o2048), _o2048);
        H1_S2048_D64.AttendMasked(_x2048, _x2048, _x2048, _o2048, (ReadOnlySpan<float>)_band);
        Check(H1_S2048_D64_CausalWindow128.Problem, _x2048, _x2048, () => { }, _o2048);

        _q256 = Draw(256 * 1024);
        _kv256 = Draw(256 * 256);
        _kvFull = new float[256 * 1024];
        for (int j = 0; j < 256; j++)
            for (int h = 0; h < 16; h++)
                Array.Copy(_kv256, j * 256 + h / 4 * 64, _kvFull, j * 1024 + h * 64, 64);
        _o256 = new float[_q256.Length];
        Check(H16_Kv4_S256_D64.Problem, _q256, _kv256, () => H16_Kv4_S256_D64.Attend(_q256, _kv256, _kv256, _o256), _o256);

        _qStep = Draw(4096);
        _kvStep = Draw(1024 * 1024);
        _oStep = new float[4096];
        Check(DecodeStep_H32_Kv8_K1024_D128.Problem, _qStep, _kvStep, () => DecodeStep_H32_Kv8_K1024_D128.Attend(_qStep, _kvStep, _kvStep, _oStep), _oStep);

        _x128 = Draw(128 * 768);
        _o128 = new float[_x128.Length];
        _zeros = new float[128 * 128];
        _allowed = new bool[128 * 128];
        Array.Fill(_allowed, true);
        _bits = new byte[128 * 16];
        Array.Fill(_bits, (byte)0xFF);
        Check(H12_S128_D64_Softcap.Problem, _x128, _x128, () => H12_S128_D64_Softcap.Attend(_x128, _x128, _x128, _o128), _o128);
    }

    private static void Check(AttentionProblem p, float[] q, float[] kv, Action run, float[] output)
    {
        run();
        double[] expected = new double[output.Length];
        AttentionReference.Attend(p, q, kv, kv, expected);
        double error = 0;
        for (int i = 0; i < output.Length; i++) error = Math.Max(error, Math.Abs(output[i] - expected[i]));
        if (!(error < 1e-4)) throw new InvalidOperationException($"{p}: max |error| {error} vs float64");
    }

    [Benchmark(Description = "Causal S2048 d64, Window 128")] public void Window128() => H1_S2048_D64_CausalWindow128.Attend(_x2048, _x2048, _x2048, _o2048);
    [Benchmark(Description = "Causal S2048 d64, full")] public void CausalFull() => H1_S2048_D64_Causal.Attend(_x2048, _x2048, _x2048, _o2048);
    [Benchmark(Description = "S2048 d64, additive band mask (window from a mask)")] public void BandMask() => H1_S2048_D64.AttendMasked(_x2048, _x2048, _x2048, _o2048, (ReadOnlySpan<float>)_band);
    [Benchmark(Description = "GQA H16/Kv4 S256 d64")] public void Gqa() => H16_Kv4_S256_D64.Attend(_q256, _kv256, _kv256, _o256);
    [Benchmark(Description = "MHA H16 S256 d64 (K/V repeated)")] public void MhaRepeated() => H16_S256_D64.Attend(_q256, _kvFull, _kvFull, _o256);
    [Benchmark(Description = "Decode step H32/Kv8 K1024 d128")] public void DecodeStep() => DecodeStep_H32_Kv8_K1024_D128.Attend(_qStep, _kvStep, _kvStep, _oStep);
    [Benchmark(Description = "H12 S128 d64 plain")] public void Plain() => H12_S128_D64.Attend(_x128, _x128, _x128, _o128);
    [Benchmark(Description = "H12 S128 d64 additive mask")] public void Additive() => H12_S128_D64.AttendMasked(_x128, _x128, _x128, _o128, (ReadOnlySpan<float>)_zeros);
    [Benchmark(Description = "H12 S128 d64 bool mask")] public void Bool() => H12_S128_D64.AttendMasked(_x128, _x128, _x128, _o128, (ReadOnlySpan<bool>)_allowed);
    [Benchmark(Description = "H12 S128 d64 bit mask")] public void Bits() => H12_S128_D64.AttendMasked(_x128, _x128, _x128, _o128, new BitMask(_bits, 128, 128));
    [Benchmark(Description = "H12 S128 d64 validKeys 64")] public void Padding() => H12_S128_D64.Attend(_x128, _x128, _x128, _o128, 64);
    [Benchmark(Description = "H12 S128 d64 softcap 50")] public void Softcap() => H12_S128_D64_Softcap.Attend(_x128, _x128, _x128, _o128);
}
