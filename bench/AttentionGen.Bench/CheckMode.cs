using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.Intrinsics;

namespace AttentionGen.Bench;

/// <summary>--check: every peer on every shape, causal and not, against the float64 reference.</summary>
public static class CheckMode
{
    /// <summary>A peer whose max abs difference exceeds this fails the check (exit code 1).</summary>
    public const double Tolerance = 1e-4;

    public static int Run()
    {
        Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256 accelerated: {Vector256.IsHardwareAccelerated}");
        Console.WriteLine($"ONNX Runtime: {OrtVersion()}");
        Console.WriteLine($"Inputs N(0,1), seed {AttentionInputs.DefaultSeed}; max |peer - float64 reference| per case; tolerance {Tolerance:g}.");
        Console.WriteLine();

        var failures = new List<string>();
        var unavailable = new SortedDictionary<string, string>();
        const int nameWidth = 14;
        Console.WriteLine("shape".PadRight(nameWidth) + " causal  " + string.Join(" ", PeerFactory.All.Select(p => p.PadLeft(Math.Max(p.Length, 9)))));
        foreach (Shape shape in Shapes.All.Concat(Shapes.TailChecks))
        {
            var inputs = new AttentionInputs(shape);
            var output = new float[shape.Elements];
            foreach (bool causal in new[] { false, true })
            {
                double[] reference = Reference.Compute(shape, inputs.Q, inputs.K, inputs.V, causal);
                var cells = new List<string>();
                foreach (string name in PeerFactory.All)
                {
                    string cell;
                    try
                    {
                        using IAttentionPeer peer = PeerFactory.Create(name, shape, causal);
                        double diff = PeerFactory.MaxAbsDiff(peer, inputs, reference, output);
                        cell = diff.ToString("0.0e+0", CultureInfo.InvariantCulture);
                        if (!(diff <= Tolerance))
                        {
                            cell += "!";
                            failures.Add($"{name} {shape} causal={causal}: max abs diff {diff:g3}");
                        }
                    }
                    catch (Exception ex)
                    {
                        cell = "n/a";
                        string key = $"{name} (causal={causal})";
                        string reason = FirstLine(ex);
                        if (!unavailable.ContainsKey(key))
                        {
                            unavailable[key] = $"{reason} [first at {shape}]";
                        }
                    }

                    cells.Add(cell.PadLeft(Math.Max(name.Length, 9)));
                }

                Console.WriteLine(shape.Name.PadRight(nameWidth) + (causal ? " yes     " : " no      ") + string.Join(" ", cells));
            }
        }

        // A non-default scale, so that a scale attribute ignored by a peer (e.g. ORT) would show up.
        Shape scaled = Shapes.Get("H4-S64-d32");
        const float scale = 0.61f;
        var scaledInputs = new AttentionInputs(scaled, AttentionInputs.DefaultSeed + 1);
        var scaledOutput = new float[scaled.Elements];
        foreach (bool causal in new[] { false, true })
        {
            double[] reference = Reference.Compute(scaled, scaledInputs.Q, scaledInputs.K, scaledInputs.V, causal, scale);
            var cells = new List<string>();
            foreach (string name in PeerFactory.All)
            {
                string cell;
                try
                {
                    using IAttentionPeer peer = PeerFactory.Create(name, scaled, causal, scale);
                    double diff = PeerFactory.MaxAbsDiff(peer, scaledInputs, reference, scaledOutput);
                    cell = diff.ToString("0.0e+0", CultureInfo.InvariantCulture);
                    if (!(diff <= Tolerance))
                    {
                        cell += "!";
                        failures.Add($"{name} {scaled} scale={scale} causal={causal}: max abs diff {diff:g3}");
                    }
                }
                catch (Exception ex)
                {
                    cell = "n/a";
                    unavailable.TryAdd($"{name} (causal={causal})", $"{FirstLine(ex)} [first at {scaled} scale={scale}]");
                }

                cells.Add(cell.PadLeft(Math.Max(name.Length, 9)));
            }

            Console.WriteLine(("scale=" + scale.ToString(CultureInfo.InvariantCulture)).PadRight(nameWidth) + (causal ? " yes     " : " no      ") + string.Join(" ", cells));
        }

        Console.WriteLine();
        foreach (var (key, reason) in unavailable)
        {
            Console.WriteLine($"UNAVAILABLE {key}: {reason}");
        }

        foreach (string f in failures)
        {
            Console.WriteLine($"FAIL {f}");
        }

        Console.WriteLine(failures.Count == 0 ? "CHECK PASSED for every peer that ran." : $"CHECK FAILED: {failures.Count} case(s).");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string FirstLine(Exception ex)
    {
        string msg = $"{ex.GetType().Name}: {ex.Message}";
        int nl = msg.IndexOf('\n');
        return nl < 0 ? msg : msg[..nl].TrimEnd();
    }

    private static string OrtVersion()
    {
        try
        {
            return Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString();
        }
        catch (Exception ex)
        {
            return "unavailable: " + FirstLine(ex);
        }
    }
}
