// GPT-2's ops and training loss in float64 with plain loops, the function whose finite differences judge the gradients.
namespace Playground.Model.Tests.Training;

/// <summary>
/// Every op of the training forward pass in double precision over double[] buffers, written from the equations
/// and sharing no code with TrainingOps, so that finite differences of these functions are an independent
/// measure of the analytic gradients. Shapes follow the float32 ops: row-major, matrices (out, in).
/// </summary>
internal static class Float64Training
{
    /// <summary>Sequence b holds positions firstPositions[b].. (0.. when null).</summary>
    public static double[] Encoder(IReadOnlyList<int> tokens, double[] wte, double[] wpe, int B, int T, int C, IReadOnlyList<int>? firstPositions = null)
    {
        var y = new double[B * T * C];
        for (int b = 0; b < B; b++)
        {
            int first = firstPositions?[b] ?? 0;
            for (int t = 0; t < T; t++)
            {
                for (int c = 0; c < C; c++)
                {
                    y[(b * T + t) * C + c] = wte[tokens[b * T + t] * C + c] + wpe[(first + t) * C + c];
                }
            }
        }
        return y;
    }

    public static double[] LayerNorm(double[] x, double[] gain, double[] bias, int N, int C, double eps)
    {
        var y = new double[N * C];
        for (int n = 0; n < N; n++)
        {
            double mean = 0;
            for (int c = 0; c < C; c++)
            {
                mean += x[n * C + c];
            }
            mean /= C;
            double variance = 0;
            for (int c = 0; c < C; c++)
            {
                variance += (x[n * C + c] - mean) * (x[n * C + c] - mean);
            }
            variance /= C;
            for (int c = 0; c < C; c++)
            {
                y[n * C + c] = (x[n * C + c] - mean) / Math.Sqrt(variance + eps) * gain[c] + bias[c];
            }
        }
        return y;
    }

    /// <summary>y = x Wᵀ + b with W (out, in); a null bias is none.</summary>
    public static double[] Linear(double[] x, double[] weight, double[]? bias, int N, int C, int OC)
    {
        var y = new double[N * OC];
        for (int n = 0; n < N; n++)
        {
            for (int o = 0; o < OC; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int c = 0; c < C; c++)
                {
                    sum += x[n * C + c] * weight[o * C + c];
                }
                y[n * OC + o] = sum;
            }
        }
        return y;
    }

    /// <summary>Causal softmax(q kᵀ / sqrt(hs)) v per sequence and head; qkv rows are [q | k | v].</summary>
    public static double[] Attention(double[] qkv, int B, int T, int C, int NH)
    {
        int hs = C / NH;
        var y = new double[B * T * C];
        var p = new double[T];
        for (int b = 0; b < B; b++)
        {
            for (int h = 0; h < NH; h++)
            {
                for (int t = 0; t < T; t++)
                {
                    double max = double.NegativeInfinity;
                    for (int s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (int i = 0; i < hs; i++)
                        {
                            dot += qkv[(b * T + t) * 3 * C + h * hs + i] * qkv[(b * T + s) * 3 * C + C + h * hs + i];
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
                            acc += p[s] / sum * qkv[(b * T + s) * 3 * C + 2 * C + h * hs + i];
                        }
                        y[(b * T + t) * C + h * hs + i] = acc;
                    }
                }
            }
        }
        return y;
    }

    public static double Gelu(double x) => 0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static double[] Gelu(double[] x) => x.Select(Gelu).ToArray();

    public static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    /// <summary>-ln softmax(logits row)[target] for each row.</summary>
    public static double[] CrossEntropy(double[] logits, IReadOnlyList<int> targets, int N, int V)
    {
        var losses = new double[N];
        for (int n = 0; n < N; n++)
        {
            double max = double.NegativeInfinity;
            for (int v = 0; v < V; v++)
            {
                max = Math.Max(max, logits[n * V + v]);
            }
            double sum = 0;
            for (int v = 0; v < V; v++)
            {
                sum += Math.Exp(logits[n * V + v] - max);
            }
            losses[n] = max + Math.Log(sum) - logits[n * V + targets[n]];
        }
        return losses;
    }

    /// <summary>
    /// The mean cross-entropy of a whole GPT-2 on a batch. <paramref name="parameters"/> are the model's tensors in
    /// the order of GptTrainingModel.Parameters (wte, wpe, 12 per block, ln_f weight and bias, then lm_head if untied).
    /// </summary>
    public static double ModelLoss(GptConfig config, IReadOnlyList<double[]> parameters, IReadOnlyList<int> inputs,
        IReadOnlyList<int> targets, int B, int T, IReadOnlyList<int>? firstPositions = null)
    {
        int C = config.NEmbd, V = config.VocabSize, N = B * T;
        double eps = config.LayerNormEpsilon;
        double[] wte = parameters[0], wpe = parameters[1];
        double[] x = Encoder(inputs, wte, wpe, B, T, C, firstPositions);
        for (int l = 0; l < config.NLayer; l++)
        {
            double[] P(int i) => parameters[2 + 12 * l + i];
            double[] normed = LayerNorm(x, P(0), P(1), N, C, eps);
            double[] qkv = Linear(normed, P(2), P(3), N, C, 3 * C);
            double[] attended = Attention(qkv, B, T, C, config.NHead);
            x = Add(x, Linear(attended, P(4), P(5), N, C, C));
            normed = LayerNorm(x, P(6), P(7), N, C, eps);
            double[] hidden = Gelu(Linear(normed, P(8), P(9), N, C, 4 * C));
            x = Add(x, Linear(hidden, P(10), P(11), N, 4 * C, C));
        }
        int final = 2 + 12 * config.NLayer;
        double[] lnf = LayerNorm(x, parameters[final], parameters[final + 1], N, C, eps);
        double[] lmHead = parameters.Count > final + 2 ? parameters[final + 2] : wte;
        return CrossEntropy(Linear(lnf, lmHead, null, N, C, V), targets, N, V).Average();
    }
}
