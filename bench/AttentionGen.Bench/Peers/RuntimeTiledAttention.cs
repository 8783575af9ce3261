using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AttentionGen.Bench.Peers;

/// <summary>Which code path <see cref="RuntimeTiledAttention"/> uses.</summary>
public enum TiledPath
{
    /// <summary>Vector512 if hardware accelerated, else Vector256 if accelerated, else scalar.</summary>
    Auto,
    Vector512,
    Vector256,
    Scalar,
}

/// <summary>
/// The tiled algorithm the AttentionGen generator emits, written by hand with every size (S, Dim, H, dh) known
/// only at run time. Comparing it with a generated kernel isolates what compile-time specialisation buys.
/// Per head h:
///   (a) pack K_h^T into panels of PW = 2 vectors of keys: panel p, row d holds k[p*PW + lane][h*dh + d]
///       (zero padded past S);
///   (b) for blocks of R = 4 query rows: scores = scale * Q K^T as R x 2 vector accumulators (broadcast q, load the
///       panel row), stored into a scratch row buffer; causal: only panels up to the block's last row are computed
///       and keys j &gt; i are set to -inf;
///   (c) per row: max, p = exp(s - max) (Vector512.Exp / Vector256.Exp), sum;
///   (d) P V in strips of up to 4 vectors over the head dim with R x strip accumulators, times 1/sum, stored.
/// Tails (S not a multiple of R, dh not a multiple of the vector width) are handled with narrower vectors and
/// scalars; nothing outside the spans is read or written. Scratch is allocated in the constructor only.
/// </summary>
public sealed class RuntimeTiledAttention : IAttentionPeer
{
    private const int R = 4;

    private readonly int _heads, _seqLen, _headDim, _dim;
    private readonly bool _causal;
    private readonly float _scale;
    private readonly TiledPath _path;
    private readonly int _w;        // lanes per vector (1 for the scalar path)
    private readonly int _pw;       // keys per K panel
    private readonly int _panels;   // ceil(S / PW)
    private readonly int _sp;       // scores row stride = panels * PW
    private readonly float[] _packedK; // [panels][dh][PW]
    private readonly float[] _scores;  // [R][sp]
    private readonly float[] _inv;     // [R] 1/sum per row of the current block

    public RuntimeTiledAttention(int heads, int seqLen, int headDim, bool causal, float? scale = null, TiledPath path = TiledPath.Auto)
    {
        if (heads <= 0 || seqLen <= 0 || headDim <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(heads), "heads, seqLen and headDim must be positive");
        }

        _heads = heads;
        _seqLen = seqLen;
        _headDim = headDim;
        _dim = heads * headDim;
        _causal = causal;
        _scale = scale ?? 1f / MathF.Sqrt(headDim);

        if (path == TiledPath.Auto)
        {
            path = Vector512.IsHardwareAccelerated ? TiledPath.Vector512
                : Vector256.IsHardwareAccelerated ? TiledPath.Vector256
                : TiledPath.Scalar;
        }

        _path = path;
        _w = path switch
        {
            TiledPath.Vector512 => Vector512<float>.Count,
            TiledPath.Vector256 => Vector256<float>.Count,
            _ => 1,
        };
        _pw = path == TiledPath.Scalar ? 4 : 2 * _w;
        _panels = (seqLen + _pw - 1) / _pw;
        _sp = _panels * _pw;
        _packedK = new float[_panels * headDim * _pw];
        _scores = new float[R * _sp];
        _inv = new float[R];
    }

    public string Name => _path switch
    {
        TiledPath.Vector512 => "RuntimeTiled(V512)",
        TiledPath.Vector256 => "RuntimeTiled(V256)",
        _ => "RuntimeTiled(scalar)",
    };

    public TiledPath Path => _path;

    public void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        PeerArgs.Check(_seqLen * _dim, q, k, v, output);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        ref float k0 = ref MemoryMarshal.GetReference(k);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float o0 = ref MemoryMarshal.GetReference(output);

        for (int h = 0; h < _heads; h++)
        {
            int c0 = h * _headDim;
            PackK(ref k0, c0);
            for (int i0 = 0; i0 < _seqLen; i0 += R)
            {
                int rr = Math.Min(R, _seqLen - i0);
                int keys = _causal ? i0 + rr : _seqLen; // keys any row of this block may attend to
                switch (_path)
                {
                    case TiledPath.Vector512:
                        Scores512(ref q0, c0, i0, rr);
                        Softmax512(i0, rr, keys);
                        PV512(ref v0, ref o0, c0, i0, rr, keys);
                        break;
                    case TiledPath.Vector256:
                        Scores256(ref q0, c0, i0, rr);
                        Softmax256(i0, rr, keys);
                        PV256(ref v0, ref o0, c0, i0, rr, keys);
                        break;
                    default:
                        ScoresScalar(ref q0, c0, i0, rr);
                        SoftmaxScalar(i0, rr, keys);
                        PVScalar(ref v0, ref o0, c0, i0, rr, keys, 0);
                        break;
                }
            }
        }
    }

    public void Dispose()
    {
    }

    // ---------------------------------------------------------------- (a) packing

    private void PackK(ref float k0, int c0)
    {
        ref float pk = ref MemoryMarshal.GetArrayDataReference(_packedK);
        int pw = _pw, dh = _headDim;
        for (int j = 0; j < _seqLen; j++)
        {
            int p = j / pw, lane = j - p * pw;
            ref float src = ref Unsafe.Add(ref k0, j * _dim + c0);
            ref float dst = ref Unsafe.Add(ref pk, p * dh * pw + lane);
            for (int d = 0; d < dh; d++)
            {
                Unsafe.Add(ref dst, d * pw) = Unsafe.Add(ref src, d);
            }
        }

        // Lanes past S are never written, so they keep the zeros from the constructor.
    }

    // Number of K panels a block needs: causal blocks stop at the panel holding their last row.
    private int PanelsFor(int i0, int rr) => _causal ? (i0 + rr - 1) / _pw + 1 : _panels;

    // ---------------------------------------------------------------- (b) scores, Vector512

    private void Scores512(ref float q0, int c0, int i0, int rr)
    {
        int dim = _dim, dh = _headDim, last = _seqLen - 1;
        // Rows past the end of the sequence are clamped to the last row: computed, never used.
        ref float qa = ref Unsafe.Add(ref q0, i0 * dim + c0);
        ref float qb = ref Unsafe.Add(ref q0, Math.Min(i0 + 1, last) * dim + c0);
        ref float qc = ref Unsafe.Add(ref q0, Math.Min(i0 + 2, last) * dim + c0);
        ref float qd = ref Unsafe.Add(ref q0, Math.Min(i0 + 3, last) * dim + c0);
        ref float sc = ref MemoryMarshal.GetArrayDataReference(_scores);
        ref float kp = ref MemoryMarshal.GetArrayDataReference(_packedK);
        const int W = 16, PW = 32;
        var scale = Vector512.Create(_scale);
        int np = PanelsFor(i0, rr), sp = _sp;
        for (int p = 0; p < np; p++)
        {
            ref float panel = ref Unsafe.Add(ref kp, p * dh * PW);
            Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
            Vector512<float> c0v = default, c1v = default, d0 = default, d1 = default;
            for (int d = 0; d < dh; d++)
            {
                ref float row = ref Unsafe.Add(ref panel, d * PW);
                var k0 = Vector512.LoadUnsafe(ref row);
                var k1 = Vector512.LoadUnsafe(ref row, W);
                var x = Vector512.Create(Unsafe.Add(ref qa, d));
                a0 = Vector512.FusedMultiplyAdd(x, k0, a0);
                a1 = Vector512.FusedMultiplyAdd(x, k1, a1);
                x = Vector512.Create(Unsafe.Add(ref qb, d));
                b0 = Vector512.FusedMultiplyAdd(x, k0, b0);
                b1 = Vector512.FusedMultiplyAdd(x, k1, b1);
                x = Vector512.Create(Unsafe.Add(ref qc, d));
                c0v = Vector512.FusedMultiplyAdd(x, k0, c0v);
                c1v = Vector512.FusedMultiplyAdd(x, k1, c1v);
                x = Vector512.Create(Unsafe.Add(ref qd, d));
                d0 = Vector512.FusedMultiplyAdd(x, k0, d0);
                d1 = Vector512.FusedMultiplyAdd(x, k1, d1);
            }

            ref float dst = ref Unsafe.Add(ref sc, p * PW);
            (a0 * scale).StoreUnsafe(ref dst);
            (a1 * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (b0 * scale).StoreUnsafe(ref dst);
            (b1 * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (c0v * scale).StoreUnsafe(ref dst);
            (c1v * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (d0 * scale).StoreUnsafe(ref dst);
            (d1 * scale).StoreUnsafe(ref dst, W);
        }
    }

    // ---------------------------------------------------------------- (b) scores, Vector256

    private void Scores256(ref float q0, int c0, int i0, int rr)
    {
        int dim = _dim, dh = _headDim, last = _seqLen - 1;
        ref float qa = ref Unsafe.Add(ref q0, i0 * dim + c0);
        ref float qb = ref Unsafe.Add(ref q0, Math.Min(i0 + 1, last) * dim + c0);
        ref float qc = ref Unsafe.Add(ref q0, Math.Min(i0 + 2, last) * dim + c0);
        ref float qd = ref Unsafe.Add(ref q0, Math.Min(i0 + 3, last) * dim + c0);
        ref float sc = ref MemoryMarshal.GetArrayDataReference(_scores);
        ref float kp = ref MemoryMarshal.GetArrayDataReference(_packedK);
        const int W = 8, PW = 16;
        var scale = Vector256.Create(_scale);
        int np = PanelsFor(i0, rr), sp = _sp;
        for (int p = 0; p < np; p++)
        {
            ref float panel = ref Unsafe.Add(ref kp, p * dh * PW);
            Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default;
            Vector256<float> c0v = default, c1v = default, d0 = default, d1 = default;
            for (int d = 0; d < dh; d++)
            {
                ref float row = ref Unsafe.Add(ref panel, d * PW);
                var k0 = Vector256.LoadUnsafe(ref row);
                var k1 = Vector256.LoadUnsafe(ref row, W);
                var x = Vector256.Create(Unsafe.Add(ref qa, d));
                a0 = Vector256.FusedMultiplyAdd(x, k0, a0);
                a1 = Vector256.FusedMultiplyAdd(x, k1, a1);
                x = Vector256.Create(Unsafe.Add(ref qb, d));
                b0 = Vector256.FusedMultiplyAdd(x, k0, b0);
                b1 = Vector256.FusedMultiplyAdd(x, k1, b1);
                x = Vector256.Create(Unsafe.Add(ref qc, d));
                c0v = Vector256.FusedMultiplyAdd(x, k0, c0v);
                c1v = Vector256.FusedMultiplyAdd(x, k1, c1v);
                x = Vector256.Create(Unsafe.Add(ref qd, d));
                d0 = Vector256.FusedMultiplyAdd(x, k0, d0);
                d1 = Vector256.FusedMultiplyAdd(x, k1, d1);
            }

            ref float dst = ref Unsafe.Add(ref sc, p * PW);
            (a0 * scale).StoreUnsafe(ref dst);
            (a1 * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (b0 * scale).StoreUnsafe(ref dst);
            (b1 * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (c0v * scale).StoreUnsafe(ref dst);
            (c1v * scale).StoreUnsafe(ref dst, W);
            dst = ref Unsafe.Add(ref dst, sp);
            (d0 * scale).StoreUnsafe(ref dst);
            (d1 * scale).StoreUnsafe(ref dst, W);
        }
    }

    // ---------------------------------------------------------------- (b) scores, scalar (PW = 4)

    private void ScoresScalar(ref float q0, int c0, int i0, int rr)
    {
        int dim = _dim, dh = _headDim, sp = _sp;
        ref float sc = ref MemoryMarshal.GetArrayDataReference(_scores);
        ref float kp = ref MemoryMarshal.GetArrayDataReference(_packedK);
        const int PW = 4;
        int np = PanelsFor(i0, rr);
        for (int r = 0; r < rr; r++)
        {
            ref float qr = ref Unsafe.Add(ref q0, (i0 + r) * dim + c0);
            ref float dst = ref Unsafe.Add(ref sc, r * sp);
            for (int p = 0; p < np; p++)
            {
                ref float panel = ref Unsafe.Add(ref kp, p * dh * PW);
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int d = 0; d < dh; d++)
                {
                    float x = Unsafe.Add(ref qr, d);
                    ref float row = ref Unsafe.Add(ref panel, d * PW);
                    s0 += x * row;
                    s1 += x * Unsafe.Add(ref row, 1);
                    s2 += x * Unsafe.Add(ref row, 2);
                    s3 += x * Unsafe.Add(ref row, 3);
                }

                ref float o = ref Unsafe.Add(ref dst, p * PW);
                o = s0 * _scale;
                Unsafe.Add(ref o, 1) = s1 * _scale;
                Unsafe.Add(ref o, 2) = s2 * _scale;
                Unsafe.Add(ref o, 3) = s3 * _scale;
            }
        }
    }

    // ---------------------------------------------------------------- (c) softmax

    // Masks keys [rowKeys, end) of row r with -inf, where end = keys rounded up to the vector width
    // (inside the scratch row: keys <= S <= sp and sp is a multiple of PW, a multiple of W).
    private ref float MaskRow(int r, int i0, int keys, int w, out int end)
    {
        ref float row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_scores), r * _sp);
        int rowKeys = _causal ? i0 + r + 1 : _seqLen;
        end = (keys + w - 1) / w * w;
        for (int j = rowKeys; j < end; j++)
        {
            Unsafe.Add(ref row, j) = float.NegativeInfinity;
        }

        return ref row;
    }

    private void Softmax512(int i0, int rr, int keys)
    {
        for (int r = 0; r < rr; r++)
        {
            ref float row = ref MaskRow(r, i0, keys, Vector512<float>.Count, out int end);
            var vmax = Vector512.Create(float.NegativeInfinity);
            for (int j = 0; j < end; j += Vector512<float>.Count)
            {
                vmax = Vector512.Max(vmax, Vector512.LoadUnsafe(ref row, (nuint)j));
            }

            var m = Vector512.Create(HMax(vmax));
            var vsum = Vector512<float>.Zero;
            for (int j = 0; j < end; j += Vector512<float>.Count)
            {
                var e = Vector512.Exp(Vector512.LoadUnsafe(ref row, (nuint)j) - m);
                e.StoreUnsafe(ref row, (nuint)j);
                vsum += e;
            }

            _inv[r] = 1f / Vector512.Sum(vsum);
        }
    }

    private void Softmax256(int i0, int rr, int keys)
    {
        for (int r = 0; r < rr; r++)
        {
            ref float row = ref MaskRow(r, i0, keys, Vector256<float>.Count, out int end);
            var vmax = Vector256.Create(float.NegativeInfinity);
            for (int j = 0; j < end; j += Vector256<float>.Count)
            {
                vmax = Vector256.Max(vmax, Vector256.LoadUnsafe(ref row, (nuint)j));
            }

            var m = Vector256.Create(HMax(vmax));
            var vsum = Vector256<float>.Zero;
            for (int j = 0; j < end; j += Vector256<float>.Count)
            {
                var e = Vector256.Exp(Vector256.LoadUnsafe(ref row, (nuint)j) - m);
                e.StoreUnsafe(ref row, (nuint)j);
                vsum += e;
            }

            _inv[r] = 1f / Vector256.Sum(vsum);
        }
    }

    private void SoftmaxScalar(int i0, int rr, int keys)
    {
        for (int r = 0; r < rr; r++)
        {
            ref float row = ref MaskRow(r, i0, keys, 1, out int end);
            float m = float.NegativeInfinity;
            for (int j = 0; j < end; j++)
            {
                m = MathF.Max(m, Unsafe.Add(ref row, j));
            }

            float sum = 0;
            for (int j = 0; j < end; j++)
            {
                float e = MathF.Exp(Unsafe.Add(ref row, j) - m);
                Unsafe.Add(ref row, j) = e;
                sum += e;
            }

            _inv[r] = 1f / sum;
        }
    }

    private static float HMax(Vector512<float> v) => HMax(Vector256.Max(v.GetLower(), v.GetUpper()));

    private static float HMax(Vector256<float> v)
    {
        Vector128<float> x = Vector128.Max(v.GetLower(), v.GetUpper());
        return MathF.Max(MathF.Max(x.GetElement(0), x.GetElement(1)), MathF.Max(x.GetElement(2), x.GetElement(3)));
    }

    // ---------------------------------------------------------------- (d) P V

    /// <summary>Probability rows of the block; rows past the end alias row 0 (computed, never stored).</summary>
    private void ProbRows(int rr, out int pb, out int pc, out int pd)
    {
        pb = rr > 1 ? _sp : 0;
        pc = rr > 2 ? 2 * _sp : 0;
        pd = rr > 3 ? 3 * _sp : 0;
    }

    private void PV512(ref float v0, ref float o0, int c0, int i0, int rr, int keys)
    {
        int dh = _headDim, c = 0;
        for (; dh - c >= 64; c += 64)
        {
            PV512x4(ref v0, ref o0, c0 + c, i0, rr, keys);
        }

        if (dh - c >= 32)
        {
            PV512x2(ref v0, ref o0, c0 + c, i0, rr, keys);
            c += 32;
        }

        if (dh - c >= 16)
        {
            PV512x1(ref v0, ref o0, c0 + c, i0, rr, keys);
            c += 16;
        }

        PVTail256(ref v0, ref o0, c0, c, i0, rr, keys);
    }

    private void PV256(ref float v0, ref float o0, int c0, int i0, int rr, int keys)
    {
        int dh = _headDim, c = 0;
        for (; dh - c >= 32; c += 32)
        {
            PV256x4(ref v0, ref o0, c0 + c, i0, rr, keys);
        }

        if (dh - c >= 16)
        {
            PV256x2(ref v0, ref o0, c0 + c, i0, rr, keys);
            c += 16;
        }

        PVTail256(ref v0, ref o0, c0, c, i0, rr, keys);
    }

    // Columns [c, dh) with fewer than 2 Vector256 left: one Vector256, one Vector128, then scalars.
    private void PVTail256(ref float v0, ref float o0, int c0, int c, int i0, int rr, int keys)
    {
        int dh = _headDim;
        if (dh - c >= 8)
        {
            PV256x1(ref v0, ref o0, c0 + c, i0, rr, keys);
            c += 8;
        }

        if (dh - c >= 4)
        {
            PV128x1(ref v0, ref o0, c0 + c, i0, rr, keys);
            c += 4;
        }

        PVScalar(ref v0, ref o0, c0, i0, rr, keys, c);
    }

    private void PV512x4(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        const int W = 16;
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
        for (int j = 0; j < keys; j++)
        {
            var x0 = Vector512.LoadUnsafe(ref vr);
            var x1 = Vector512.LoadUnsafe(ref vr, W);
            var x2 = Vector512.LoadUnsafe(ref vr, 2 * W);
            var x3 = Vector512.LoadUnsafe(ref vr, 3 * W);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            var p = Vector512.Create(pj);
            a0 = Vector512.FusedMultiplyAdd(p, x0, a0);
            a1 = Vector512.FusedMultiplyAdd(p, x1, a1);
            a2 = Vector512.FusedMultiplyAdd(p, x2, a2);
            a3 = Vector512.FusedMultiplyAdd(p, x3, a3);
            p = Vector512.Create(Unsafe.Add(ref pj, pb));
            b0 = Vector512.FusedMultiplyAdd(p, x0, b0);
            b1 = Vector512.FusedMultiplyAdd(p, x1, b1);
            b2 = Vector512.FusedMultiplyAdd(p, x2, b2);
            b3 = Vector512.FusedMultiplyAdd(p, x3, b3);
            p = Vector512.Create(Unsafe.Add(ref pj, pc));
            c0 = Vector512.FusedMultiplyAdd(p, x0, c0);
            c1 = Vector512.FusedMultiplyAdd(p, x1, c1);
            c2 = Vector512.FusedMultiplyAdd(p, x2, c2);
            c3 = Vector512.FusedMultiplyAdd(p, x3, c3);
            p = Vector512.Create(Unsafe.Add(ref pj, pd));
            d0 = Vector512.FusedMultiplyAdd(p, x0, d0);
            d1 = Vector512.FusedMultiplyAdd(p, x1, d1);
            d2 = Vector512.FusedMultiplyAdd(p, x2, d2);
            d3 = Vector512.FusedMultiplyAdd(p, x3, d3);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        var s = Vector512.Create(_inv[0]);
        (a0 * s).StoreUnsafe(ref o);
        (a1 * s).StoreUnsafe(ref o, W);
        (a2 * s).StoreUnsafe(ref o, 2 * W);
        (a3 * s).StoreUnsafe(ref o, 3 * W);
        if (rr > 1)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[1]);
            (b0 * s).StoreUnsafe(ref o);
            (b1 * s).StoreUnsafe(ref o, W);
            (b2 * s).StoreUnsafe(ref o, 2 * W);
            (b3 * s).StoreUnsafe(ref o, 3 * W);
        }

        if (rr > 2)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[2]);
            (c0 * s).StoreUnsafe(ref o);
            (c1 * s).StoreUnsafe(ref o, W);
            (c2 * s).StoreUnsafe(ref o, 2 * W);
            (c3 * s).StoreUnsafe(ref o, 3 * W);
        }

        if (rr > 3)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[3]);
            (d0 * s).StoreUnsafe(ref o);
            (d1 * s).StoreUnsafe(ref o, W);
            (d2 * s).StoreUnsafe(ref o, 2 * W);
            (d3 * s).StoreUnsafe(ref o, 3 * W);
        }
    }

    private void PV512x2(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        const int W = 16;
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector512<float> c0 = default, c1 = default, d0 = default, d1 = default;
        for (int j = 0; j < keys; j++)
        {
            var x0 = Vector512.LoadUnsafe(ref vr);
            var x1 = Vector512.LoadUnsafe(ref vr, W);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            var p = Vector512.Create(pj);
            a0 = Vector512.FusedMultiplyAdd(p, x0, a0);
            a1 = Vector512.FusedMultiplyAdd(p, x1, a1);
            p = Vector512.Create(Unsafe.Add(ref pj, pb));
            b0 = Vector512.FusedMultiplyAdd(p, x0, b0);
            b1 = Vector512.FusedMultiplyAdd(p, x1, b1);
            p = Vector512.Create(Unsafe.Add(ref pj, pc));
            c0 = Vector512.FusedMultiplyAdd(p, x0, c0);
            c1 = Vector512.FusedMultiplyAdd(p, x1, c1);
            p = Vector512.Create(Unsafe.Add(ref pj, pd));
            d0 = Vector512.FusedMultiplyAdd(p, x0, d0);
            d1 = Vector512.FusedMultiplyAdd(p, x1, d1);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        var s = Vector512.Create(_inv[0]);
        (a0 * s).StoreUnsafe(ref o);
        (a1 * s).StoreUnsafe(ref o, W);
        if (rr > 1)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[1]);
            (b0 * s).StoreUnsafe(ref o);
            (b1 * s).StoreUnsafe(ref o, W);
        }

        if (rr > 2)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[2]);
            (c0 * s).StoreUnsafe(ref o);
            (c1 * s).StoreUnsafe(ref o, W);
        }

        if (rr > 3)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector512.Create(_inv[3]);
            (d0 * s).StoreUnsafe(ref o);
            (d1 * s).StoreUnsafe(ref o, W);
        }
    }

    private void PV512x1(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector512<float> a = default, b = default, c = default, d = default;
        for (int j = 0; j < keys; j++)
        {
            var x = Vector512.LoadUnsafe(ref vr);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            a = Vector512.FusedMultiplyAdd(Vector512.Create(pj), x, a);
            b = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pj, pb)), x, b);
            c = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pj, pc)), x, c);
            d = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref pj, pd)), x, d);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        (a * _inv[0]).StoreUnsafe(ref o);
        if (rr > 1)
        {
            (b * _inv[1]).StoreUnsafe(ref Unsafe.Add(ref o, dim));
        }

        if (rr > 2)
        {
            (c * _inv[2]).StoreUnsafe(ref Unsafe.Add(ref o, 2 * dim));
        }

        if (rr > 3)
        {
            (d * _inv[3]).StoreUnsafe(ref Unsafe.Add(ref o, 3 * dim));
        }
    }

    private void PV256x4(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        const int W = 8;
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default;
        for (int j = 0; j < keys; j++)
        {
            var x0 = Vector256.LoadUnsafe(ref vr);
            var x1 = Vector256.LoadUnsafe(ref vr, W);
            var x2 = Vector256.LoadUnsafe(ref vr, 2 * W);
            var x3 = Vector256.LoadUnsafe(ref vr, 3 * W);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            var p = Vector256.Create(pj);
            a0 = Vector256.FusedMultiplyAdd(p, x0, a0);
            a1 = Vector256.FusedMultiplyAdd(p, x1, a1);
            a2 = Vector256.FusedMultiplyAdd(p, x2, a2);
            a3 = Vector256.FusedMultiplyAdd(p, x3, a3);
            p = Vector256.Create(Unsafe.Add(ref pj, pb));
            b0 = Vector256.FusedMultiplyAdd(p, x0, b0);
            b1 = Vector256.FusedMultiplyAdd(p, x1, b1);
            b2 = Vector256.FusedMultiplyAdd(p, x2, b2);
            b3 = Vector256.FusedMultiplyAdd(p, x3, b3);
            p = Vector256.Create(Unsafe.Add(ref pj, pc));
            c0 = Vector256.FusedMultiplyAdd(p, x0, c0);
            c1 = Vector256.FusedMultiplyAdd(p, x1, c1);
            c2 = Vector256.FusedMultiplyAdd(p, x2, c2);
            c3 = Vector256.FusedMultiplyAdd(p, x3, c3);
            p = Vector256.Create(Unsafe.Add(ref pj, pd));
            d0 = Vector256.FusedMultiplyAdd(p, x0, d0);
            d1 = Vector256.FusedMultiplyAdd(p, x1, d1);
            d2 = Vector256.FusedMultiplyAdd(p, x2, d2);
            d3 = Vector256.FusedMultiplyAdd(p, x3, d3);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        var s = Vector256.Create(_inv[0]);
        (a0 * s).StoreUnsafe(ref o);
        (a1 * s).StoreUnsafe(ref o, W);
        (a2 * s).StoreUnsafe(ref o, 2 * W);
        (a3 * s).StoreUnsafe(ref o, 3 * W);
        if (rr > 1)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[1]);
            (b0 * s).StoreUnsafe(ref o);
            (b1 * s).StoreUnsafe(ref o, W);
            (b2 * s).StoreUnsafe(ref o, 2 * W);
            (b3 * s).StoreUnsafe(ref o, 3 * W);
        }

        if (rr > 2)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[2]);
            (c0 * s).StoreUnsafe(ref o);
            (c1 * s).StoreUnsafe(ref o, W);
            (c2 * s).StoreUnsafe(ref o, 2 * W);
            (c3 * s).StoreUnsafe(ref o, 3 * W);
        }

        if (rr > 3)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[3]);
            (d0 * s).StoreUnsafe(ref o);
            (d1 * s).StoreUnsafe(ref o, W);
            (d2 * s).StoreUnsafe(ref o, 2 * W);
            (d3 * s).StoreUnsafe(ref o, 3 * W);
        }
    }

    private void PV256x2(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        const int W = 8;
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default;
        Vector256<float> c0 = default, c1 = default, d0 = default, d1 = default;
        for (int j = 0; j < keys; j++)
        {
            var x0 = Vector256.LoadUnsafe(ref vr);
            var x1 = Vector256.LoadUnsafe(ref vr, W);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            var p = Vector256.Create(pj);
            a0 = Vector256.FusedMultiplyAdd(p, x0, a0);
            a1 = Vector256.FusedMultiplyAdd(p, x1, a1);
            p = Vector256.Create(Unsafe.Add(ref pj, pb));
            b0 = Vector256.FusedMultiplyAdd(p, x0, b0);
            b1 = Vector256.FusedMultiplyAdd(p, x1, b1);
            p = Vector256.Create(Unsafe.Add(ref pj, pc));
            c0 = Vector256.FusedMultiplyAdd(p, x0, c0);
            c1 = Vector256.FusedMultiplyAdd(p, x1, c1);
            p = Vector256.Create(Unsafe.Add(ref pj, pd));
            d0 = Vector256.FusedMultiplyAdd(p, x0, d0);
            d1 = Vector256.FusedMultiplyAdd(p, x1, d1);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        var s = Vector256.Create(_inv[0]);
        (a0 * s).StoreUnsafe(ref o);
        (a1 * s).StoreUnsafe(ref o, W);
        if (rr > 1)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[1]);
            (b0 * s).StoreUnsafe(ref o);
            (b1 * s).StoreUnsafe(ref o, W);
        }

        if (rr > 2)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[2]);
            (c0 * s).StoreUnsafe(ref o);
            (c1 * s).StoreUnsafe(ref o, W);
        }

        if (rr > 3)
        {
            o = ref Unsafe.Add(ref o, dim);
            s = Vector256.Create(_inv[3]);
            (d0 * s).StoreUnsafe(ref o);
            (d1 * s).StoreUnsafe(ref o, W);
        }
    }

    private void PV256x1(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector256<float> a = default, b = default, c = default, d = default;
        for (int j = 0; j < keys; j++)
        {
            var x = Vector256.LoadUnsafe(ref vr);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            a = Vector256.FusedMultiplyAdd(Vector256.Create(pj), x, a);
            b = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pj, pb)), x, b);
            c = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pj, pc)), x, c);
            d = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pj, pd)), x, d);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        (a * _inv[0]).StoreUnsafe(ref o);
        if (rr > 1)
        {
            (b * _inv[1]).StoreUnsafe(ref Unsafe.Add(ref o, dim));
        }

        if (rr > 2)
        {
            (c * _inv[2]).StoreUnsafe(ref Unsafe.Add(ref o, 2 * dim));
        }

        if (rr > 3)
        {
            (d * _inv[3]).StoreUnsafe(ref Unsafe.Add(ref o, 3 * dim));
        }
    }

    private void PV128x1(ref float v0, ref float o0, int col, int i0, int rr, int keys)
    {
        int dim = _dim;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        ProbRows(rr, out int pb, out int pc, out int pd);
        ref float vr = ref Unsafe.Add(ref v0, col);
        Vector128<float> a = default, b = default, c = default, d = default;
        for (int j = 0; j < keys; j++)
        {
            var x = Vector128.LoadUnsafe(ref vr);
            vr = ref Unsafe.Add(ref vr, dim);
            ref float pj = ref Unsafe.Add(ref pa, j);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(pj), x, a);
            b = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref pj, pb)), x, b);
            c = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref pj, pc)), x, c);
            d = Vector128.FusedMultiplyAdd(Vector128.Create(Unsafe.Add(ref pj, pd)), x, d);
        }

        ref float o = ref Unsafe.Add(ref o0, i0 * dim + col);
        (a * _inv[0]).StoreUnsafe(ref o);
        if (rr > 1)
        {
            (b * _inv[1]).StoreUnsafe(ref Unsafe.Add(ref o, dim));
        }

        if (rr > 2)
        {
            (c * _inv[2]).StoreUnsafe(ref Unsafe.Add(ref o, 2 * dim));
        }

        if (rr > 3)
        {
            (d * _inv[3]).StoreUnsafe(ref Unsafe.Add(ref o, 3 * dim));
        }
    }

    // Scalar P V for head columns [cStart, dh), rows i0 .. i0+rr-1.
    private void PVScalar(ref float v0, ref float o0, int c0, int i0, int rr, int keys, int cStart)
    {
        int dim = _dim, dh = _headDim, sp = _sp;
        ref float pa = ref MemoryMarshal.GetArrayDataReference(_scores);
        for (int r = 0; r < rr; r++)
        {
            ref float pr = ref Unsafe.Add(ref pa, r * sp);
            float inv = _inv[r];
            for (int c = cStart; c < dh; c++)
            {
                ref float vc = ref Unsafe.Add(ref v0, c0 + c);
                float acc = 0;
                for (int j = 0; j < keys; j++)
                {
                    acc += Unsafe.Add(ref pr, j) * Unsafe.Add(ref vc, j * dim);
                }

                Unsafe.Add(ref o0, (i0 + r) * dim + c0 + c) = acc * inv;
            }
        }
    }
}
