// A transformer encoder on a batch of sequences: each layer is BERT's (post-norm) block,
//
//   h = LayerNorm(x + Attention(x Wqᵀ + bq, x Wkᵀ + bk, x Wvᵀ + bv) Woᵀ + bo)
//   y = LayerNorm(h + GELU(h W1ᵀ + b1) W2ᵀ + b2)
//
// The projections, layer norm and MLP are plain C# loops (EncoderLayer.cs); the attention core is the generated
// kernel, taken as a type parameter (IAttentionKernel<T>) so the same layer code serves any shape. Weights are
// stored the way PyTorch's nn.Linear stores them, [out, in] row-major, so a trained model's tensors can be
// copied in as they are (docs/pytorch.md). Here they are random (seeded).
//
//   dotnet run -c Release
using System;
using System.Diagnostics;
using AttentionGen.Samples;

const int batch = 8, layers = 2, hidden = 4 * EncoderAttention.Dim;
int n = EncoderAttention.SeqLen * EncoderAttention.Dim;

var model = new EncoderLayer<EncoderAttention>[layers];
for (int l = 0; l < layers; l++) model[l] = new EncoderLayer<EncoderAttention>(hidden, seed: 100 + l);

// A batch: sequences of SeqLen token vectors (a real model adds token + position embeddings here).
var rng = new Random(1);
float[][] inputs = new float[batch][];
for (int b = 0; b < batch; b++)
{
    inputs[b] = new float[n];
    for (int i = 0; i < n; i++) inputs[b][i] = (float)(rng.NextDouble() * 2 - 1);
}

Console.WriteLine($"Encoder: {layers} layers, batch {batch} × {EncoderAttention.SeqLen} tokens × dim {EncoderAttention.Dim}, " +
                  $"{EncoderAttention.Heads} heads of {EncoderAttention.HeadDim}, MLP {hidden}");
float[] x = new float[n], y = new float[n];
for (int pass = 0; pass < 3; pass++)   // passes 0 and 1 warm up the (tiered) JIT; pass 2 is timed and printed
{
    foreach (var layer in model) layer.Timings.Clear();
    var total = Stopwatch.StartNew();
    for (int b = 0; b < batch; b++)
    {
        inputs[b].CopyTo(x, 0);
        foreach (var layer in model)
        {
            layer.Forward(x, y);
            (x, y) = (y, x);
        }
    }
    total.Stop();
    if (pass < 2) continue;

    Console.WriteLine();
    Console.WriteLine("layer   QKV proj   attention   out proj+LN   MLP+LN      total   (ms for the batch)");
    for (int l = 0; l < layers; l++)
    {
        var t = model[l].Timings;
        Console.WriteLine($"{l,5} {t.Qkv,10:F2} {t.Attention,11:F2} {t.Output,13:F2} {t.Mlp,8:F2} {t.Total,10:F2}");
    }
    Console.WriteLine($"whole batch: {total.Elapsed.TotalMilliseconds:F1} ms");
}

// Checks: the attention core agrees with the float64 reference, and every output row is layer-normalised.
bool ok = model[0].CheckAttentionAgainstReference(inputs[0], out double attentionError);
Console.WriteLine($"attention core vs float64 reference (layer 0, sequence 0): max |error| {attentionError:E2}");
double worstMean = 0, worstVar = 0;
for (int i = 0; i < EncoderAttention.SeqLen; i++)
{
    double mean = 0, variance = 0;
    for (int d = 0; d < EncoderAttention.Dim; d++) mean += x[i * EncoderAttention.Dim + d] / EncoderAttention.Dim;
    for (int d = 0; d < EncoderAttention.Dim; d++) variance += Math.Pow(x[i * EncoderAttention.Dim + d] - mean, 2) / EncoderAttention.Dim;
    worstMean = Math.Max(worstMean, Math.Abs(mean));
    worstVar = Math.Max(worstVar, Math.Abs(variance - 1));
}
Console.WriteLine($"last output rows: max |mean| {worstMean:E1}, max |variance − 1| {worstVar:E1}");
return ok && worstMean < 1e-4 && worstVar < 1e-3 ? 0 : 1;
