// Smoothing a noisy price series with parameter-free self-attention: no learned weights, each point is
// re-weighted as an average of the whole series, y_i = Σ_j softmax_j(q_i · k_j) v_j. With the queries and keys
// built below, q_i · k_j = −(t_i − t_j)²/2σ² − (p_i − p_j)²/2τ² + (terms that depend on i only, which the
// softmax cancels), so the weights are a Gaussian in time (bandwidth σ) times a Gaussian in price (τ):
// nearby points count, and so do points at a similar price, which keeps a jump sharp where a moving average
// would blur it (a bilateral filter, computed by one attention call).
//
//   dotnet run -c Release [-- output.svg]        (default: price-smoothing.svg)
using System;
using System.Globalization;
using System.IO;
using System.Text;
using AttentionGen;

string path = args.Length > 0 ? args[0] : "price-smoothing.svg";
const int n = PriceAttention.SeqLen, dim = PriceAttention.Dim;
const double sigma = 3.0;   // time bandwidth, in samples
const double tau = 2.5;     // price bandwidth, in price units

// A synthetic price: a slow trend and wave, a jump of +8 at t = 80, and N(0, 1.2²) noise.
var rng = new Random(7);
double[] truth = new double[n], noisy = new double[n];
for (int t = 0; t < n; t++)
{
    truth[t] = 100 + 0.05 * t + 2 * Math.Sin(t / 9.0) + (t >= 80 ? 8 : 0);
    noisy[t] = truth[t] + 1.2 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}

// Queries, keys and values, [SeqLen, Dim] row-major. Time and price are centred so the scores stay small.
double mean = 0;
foreach (double p in noisy) mean += p / n;
float[] q = new float[n * dim], k = new float[n * dim], v = new float[n * dim];
for (int j = 0; j < n; j++)
{
    double tj = j - (n - 1) / 2.0, pj = noisy[j] - mean;
    q[j * dim + 0] = (float)(tj / sigma);  k[j * dim + 0] = (float)(tj / sigma);
    q[j * dim + 1] = 1;                    k[j * dim + 1] = (float)(-tj * tj / (2 * sigma * sigma));
    q[j * dim + 2] = (float)(pj / tau);    k[j * dim + 2] = (float)(pj / tau);
    q[j * dim + 3] = 1;                    k[j * dim + 3] = (float)(-pj * pj / (2 * tau * tau));
    v[j * dim + 0] = (float)noisy[j];      // the value to average; the other columns stay 0
}
float[] output = new float[n * dim];
PriceAttention.Attend(q, k, v, output);
double[] smooth = new double[n];
for (int i = 0; i < n; i++) smooth[i] = output[i * dim];

// How good is it: error against the true curve, and a moving average of the same width for comparison.
double[] movingAverage = new double[n];
int half = (int)(2 * sigma);
for (int i = 0; i < n; i++)
{
    int lo = Math.Max(0, i - half), hi = Math.Min(n - 1, i + half);
    for (int j = lo; j <= hi; j++) movingAverage[i] += noisy[j] / (hi - lo + 1);
}
double rmsNoisy = Rms(noisy, truth), rmsSmooth = Rms(smooth, truth), rmsAverage = Rms(movingAverage, truth);
Console.WriteLine($"{n} points, σ = {sigma} samples, τ = {tau}");
Console.WriteLine($"RMS error vs the true curve: noisy {rmsNoisy:F3}, attention-smoothed {rmsSmooth:F3}, moving average (±{half}) {rmsAverage:F3}");
Console.WriteLine($"at the jump (t = 78..82), attention-smoothed: {string.Join(", ", Array.ConvertAll(smooth[78..83], s => s.ToString("F2", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"                       moving average:   {string.Join(", ", Array.ConvertAll(movingAverage[78..83], s => s.ToString("F2", CultureInfo.InvariantCulture)))}");

// The kernel against the float64 reference on the same inputs.
double[] reference = new double[n * dim];
AttentionReference.Attend(q, k, v, reference, n, n, dim, PriceAttention.Heads, PriceAttention.Scale, PriceAttention.Causal);
double maxError = 0;
for (int i = 0; i < n; i++) maxError = Math.Max(maxError, Math.Abs(output[i * dim] - reference[i * dim]));
Console.WriteLine($"kernel vs float64 reference: max |error| {maxError:E2}");

File.WriteAllText(path, Plot(noisy, smooth, truth));
Console.WriteLine($"plot written to {Path.GetFullPath(path)}");

// The kernel must agree with float64 (prices ~110: 1e-3 is a relative 1e-5), smoothing must have helped and
// beaten the moving average (which blurs the jump).
return maxError < 1e-3 && rmsSmooth < 0.7 * rmsNoisy && rmsSmooth < rmsAverage ? 0 : 1;

static double Rms(double[] a, double[] b)
{
    double s = 0;
    for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return Math.Sqrt(s / a.Length);
}

static string Plot(double[] noisy, double[] smooth, double[] truth)
{
    // A plain SVG line chart: before (grey dots and line), after (blue), the true curve (green, dashed).
    const int width = 900, height = 420, left = 60, right = 20, top = 40, bottom = 40;
    double lo = double.MaxValue, hi = double.MinValue;
    foreach (double p in noisy) { lo = Math.Min(lo, p); hi = Math.Max(hi, p); }
    lo = Math.Floor(lo) - 1; hi = Math.Ceiling(hi) + 1;
    var inv = CultureInfo.InvariantCulture;
    double X(int t) => left + t * (width - left - right) / (double)(noisy.Length - 1);
    double Y(double p) => top + (hi - p) * (height - top - bottom) / (hi - lo);
    string Line(double[] s) { var b = new StringBuilder(); for (int t = 0; t < s.Length; t++) b.Append(inv, $"{(t == 0 ? "M" : "L")}{X(t):F1},{Y(s[t]):F1} "); return b.ToString(); }

    var svg = new StringBuilder();
    svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">\n");
    svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.Append(inv, $"<text x=\"{left}\" y=\"24\" font-size=\"15\">Noisy price (grey) smoothed by self-attention (blue); true curve dashed green</text>\n");
    for (double p = Math.Ceiling(lo / 5) * 5; p <= hi; p += 5)
    {
        svg.Append(inv, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{Y(p):F1}\" y2=\"{Y(p):F1}\" stroke=\"#eee\"/>");
        svg.Append(inv, $"<text x=\"{left - 8}\" y=\"{Y(p) + 4:F1}\" text-anchor=\"end\">{p:F0}</text>\n");
    }
    svg.Append(inv, $"<path d=\"{Line(noisy)}\" fill=\"none\" stroke=\"#bbb\" stroke-width=\"1\"/>\n");
    for (int t = 0; t < noisy.Length; t++) svg.Append(inv, $"<circle cx=\"{X(t):F1}\" cy=\"{Y(noisy[t]):F1}\" r=\"2\" fill=\"#999\"/>");
    svg.Append('\n');
    svg.Append(inv, $"<path d=\"{Line(truth)}\" fill=\"none\" stroke=\"#2a2\" stroke-width=\"1.5\" stroke-dasharray=\"5,4\"/>\n");
    svg.Append(inv, $"<path d=\"{Line(smooth)}\" fill=\"none\" stroke=\"#15c\" stroke-width=\"2.5\"/>\n");
    svg.Append(inv, $"<text x=\"{width - right}\" y=\"{height - 12}\" text-anchor=\"end\">time →</text>\n");
    svg.Append("</svg>\n");
    return svg.ToString();
}

// 128 time steps; 4 feature columns (time, time², price, price² terms); one head; Scale = 1 because the
// bandwidths are already in q and k.
[Attention(seqLen: 128, dim: 4, heads: 1, Scale = 1f)]
public partial struct PriceAttention { }
