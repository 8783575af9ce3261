using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace AttentionGen.Bench;

public static class Program
{
    // dotnet run -c Release -- --check                 accuracy of every peer against the float64 reference
    // dotnet run -c Release -- --filter *PeerBenchmarks* [BenchmarkDotNet options]
    public static int Main(string[] args)
    {
        if (args.Contains("--check"))
        {
            return CheckMode.Run();
        }

        if (args.Contains("--quick"))
        {
            return QuickMode.Run(args);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
