// An independent GPT-2 forward pass in float64 with plain loops, written from the paper's equations, to check the CPU runner.
using Playground.Model;

namespace Playground.Model.Tests.Reference;

/// <summary>
/// Full-sequence GPT-2 in double precision: no KV cache, no shared code with CpuOps, every sum a plain loop.
/// Slow, but small test models make that irrelevant.
/// </summary>
internal static class Float64Gpt2
{
    /// <summary>Logits (T, V) for every position of <paramref name="tokens"/>, which start at position 0.</summary>
    public static double[,] Logits(GptWeights w, IReadOnlyList<int> tokens)
    {
        GptConfig cfg = w.Config;
        int T = tokens.Count, C = cfg.NEmbd, V = cfg.VocabSize;
        double eps = cfg.LayerNormEpsilon;

        var x = new double[T, C];
        for (int t = 0; t < T; t++)
        {
            for (int c = 0; c < C; c++)
            {
                x[t, c] = (double)w.TokenEmbedding[tokens[t] * C + c] + w.PositionEmbedding[t * C + c];
            }
        }

        foreach (LayerWeights layer in w.Layers)
        {
            double[,] a = LayerNorm(x, layer.Ln1Weight, layer.Ln1Bias, eps);
            double[,] qkv = Linear(a, layer.QkvWeight, layer.QkvBias, 3 * C);
            double[,] attended = CausalSelfAttention(qkv, C, cfg.NHead);
            Add(x, Linear(attended, layer.AttnProjWeight, layer.AttnProjBias, C));

            double[,] m = LayerNorm(x, layer.Ln2Weight, layer.Ln2Bias, eps);
            double[,] h = Linear(m, layer.FcWeight, layer.FcBias, 4 * C);
            for (int t = 0; t < T; t++)
            {
                for (int j = 0; j < 4 * C; j++)
                {
                    h[t, j] = Gelu(h[t, j]);
                }
            }
            Add(x, Linear(h, layer.FcProjWeight, layer.FcProjBias, C));
        }

        double[,] final = LayerNorm(x, w.LnFWeight, w.LnFBias, eps);
        return Linear(final, w.LmHead, null, V);
    }

    /// <summary>Greedy continuation: recomputes the whole sequence for every new token.</summary>
    public static int[] GreedyContinuation(GptWeights w, IReadOnlyList<int> prompt, int count)
    {
        var sequence = new List<int>(prompt);
        var generated = new int[count];
        for (int n = 0; n < count; n++)
        {
            double[,] logits = Logits(w, sequence);
            int last = sequence.Count - 1, best = 0;
            for (int v = 1; v < logits.GetLength(1); v++)
            {
                if (logits[last, v] > logits[last, best])
                {
                    best = v;
                }
            }
            generated[n] = best;
            sequence.Add(best);
        }
        return generated;
    }

    public static double Gelu(double x) =>
        0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double[,] LayerNorm(double[,] x, float[] gain, float[] bias, double eps)
    {
        int T = x.GetLength(0), C = x.GetLength(1);
        var y = new double[T, C];
        for (int t = 0; t < T; t++)
        {
            double mean = 0;
            for (int c = 0; c < C; c++)
            {
                mean += x[t, c];
            }
            mean /= C;
            double variance = 0;
            for (int c = 0; c < C; c++)
            {
                variance += (x[t, c] - mean) * (x[t, c] - mean);
            }
            variance /= C;
            for (int c = 0; c < C; c++)
            {
                y[t, c] = (x[t, c] - mean) / Math.Sqrt(variance + eps) * gain[c] + bias[c];
            }
        }
        return y;
    }

    /// <summary>y = x Wᵀ + b with W stored (out, in).</summary>
    public static double[,] Linear(double[,] x, float[] weight, float[]? bias, int outFeatures)
    {
        int T = x.GetLength(0), inFeatures = x.GetLength(1);
        var y = new double[T, outFeatures];
        for (int t = 0; t < T; t++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = bias is null ? 0 : bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += x[t, i] * weight[o * inFeatures + i];
                }
                y[t, o] = sum;
            }
        }
        return y;
    }

    /// <summary>softmax(q kᵀ / sqrt(hs) + causal mask) v for each head; qkv rows are [q | k | v].</summary>
    public static double[,] CausalSelfAttention(double[,] qkv, int C, int heads)
    {
        int T = qkv.GetLength(0), hs = C / heads;
        var y = new double[T, C];
        var p = new double[T];
        for (int h = 0; h < heads; h++)
        {
            for (int t = 0; t < T; t++)
            {
                double max = double.NegativeInfinity;
                for (int s = 0; s <= t; s++)
                {
                    double dot = 0;
                    for (int i = 0; i < hs; i++)
                    {
                        dot += qkv[t, h * hs + i] * qkv[s, C + h * hs + i];
                    }
                    p[s] = dot / Math.Sqrt(hs);
                    max = Math.Max(max, p[s]);
                }
                double sum = 0;
                for (int s = 0; s <= t; s++)
                {
                    p[s] = Math.Exp(p[s] - max);
                    sum += p[s];
                }
                for (int i = 0; i < hs; i++)
                {
                    double acc = 0;
                    for (int s = 0; s <= t; s++)
                    {
                        acc += p[s] / sum * qkv[s, 2 * C + h * hs + i];
                    }
                    y[t, h * hs + i] = acc;
                }
            }
        }
        return y;
    }

    private static void Add(double[,] x, double[,] delta)
    {
        for (int t = 0; t < x.GetLength(0); t++)
        {
            for (int c = 0; c < x.GetLength(1); c++)
            {
                x[t, c] += delta[t, c];
            }
        }
    }
}
