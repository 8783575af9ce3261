using System;
using System.Threading.Tasks;
using AttentionGen.Bench.Generated;
using BenchmarkDotNet.Attributes;

namespace AttentionGen.Bench;

/// <summary>
/// AttendBatch over 8 sequences of H12-S128-d64: a loop of Attend calls (the baseline), AttendBatch serially
/// (the same work through the batch entry point: its overhead is the per-call checks), and AttendBatch with
/// <c>ParallelOptions { MaxDegreeOfParallelism = 2 }</c> (whole sequences per thread: 8 ≥ 2 parts).
/// <c>dotnet run -c Release -- --filter '*Batch*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class BatchBenchmarks
{
    private const int Batch = 8;
    private const int N = H12_S128_D64.SeqLen * H12_S128_D64.Dim;
    private readonly ParallelOptions _two = new() { MaxDegreeOfParallelism = 2 };
    private float[] _q = null!, _k = null!, _v = null!, _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _q = Gaussian(rng, Batch * N);
        _k = Gaussian(rng, Batch * N);
        _v = Gaussian(rng, Batch * N);
        _output = new float[Batch * N];
        float[] loop = new float[Batch * N];
        LoopOfAttend();
        _output.AsSpan().CopyTo(loop);
        AttendBatchParallel2();
        if (!loop.AsSpan().SequenceEqual(_output))
        {
            throw new InvalidOperationException("AttendBatch with 2 threads differs from a loop of Attend calls");
        }
    }

    [Benchmark(Baseline = true)]
    public void LoopOfAttend()
    {
        for (int b = 0; b < Batch; b++)
        {
            H12_S128_D64.Attend(_q.AsSpan(b * N, N), _k.AsSpan(b * N, N), _v.AsSpan(b * N, N), _output.AsSpan(b * N, N));
        }
    }

    [Benchmark]
    public void AttendBatchSerial() => H12_S128_D64.AttendBatch(_q, _k, _v, _output, Batch);

    [Benchmark]
    public void AttendBatchParallel2() => H12_S128_D64.AttendBatch(_q, _k, _v, _output, Batch, _two);

    private static float[] Gaussian(Random rng, int n)
    {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        return a;
    }
}
