// The GPT-2 forward pass as plain CPU functions, one per op, in the style of llm.c's train_gpt2.c.
using System.Numerics.Tensors;

namespace Playground.Model.Reference;

/// <summary>
/// One function per GPT-2 op. These are the definition the GPU shaders are judged against, so each is
/// written to be obviously correct: row-major float32 buffers, shapes in comments, every output computed
/// by one fixed sequence of operations. Which thread computes an output never changes its value, so
/// results are deterministic on a given machine. (TensorPrimitives.Dot picks its vector width from the
/// CPU, so another machine may differ in the last bits.)
/// Elementwise ops allow <c>output</c> to be the same buffer as an input; the others do not.
/// </summary>
public static class CpuOps
{
    // Below about this many multiply-adds a Parallel.For costs more than it saves.
    private const long ParallelWorkThreshold = 1L << 16;

    // Input rows a matmul worker reuses each weight row for before moving on, so that a weight row is
    // read from memory once per tile instead of once per position during prefill.
    private const int MatmulRowTile = 64;

    /// <summary>Token plus position embedding. Row t holds the token at absolute position pos0+t.</summary>
    public static void EncoderForward(Span<float> output, ReadOnlySpan<int> tokens, ReadOnlySpan<float> wte,
        ReadOnlySpan<float> wpe, int pos0, int T, int C)
    {
        // output (T,C), tokens (T), wte (V,C), wpe (maxT,C)
        RequireLength(output.Length, (long)T * C, nameof(output));
        RequireLength(tokens.Length, T, nameof(tokens));
        RequireLength(wpe.Length, (long)(pos0 + T) * C, nameof(wpe));
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<float> tokenRow = wte.Slice(tokens[t] * C, C);
            ReadOnlySpan<float> positionRow = wpe.Slice((pos0 + t) * C, C);
            Span<float> outRow = output.Slice(t * C, C);
            for (int i = 0; i < C; i++)
            {
                outRow[i] = tokenRow[i] + positionRow[i];
            }
        }
    }

    /// <summary>
    /// Layer normalisation of each row: two passes (mean, then the biased variance around it), so a large
    /// common offset does not cancel catastrophically; rstd = 1/sqrt(var + eps).
    /// </summary>
    public static void LayerNormForward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, int T, int C, float eps)
    {
        // output (T,C), input (T,C), weight (C), bias (C)
        RequireLength(output.Length, (long)T * C, nameof(output));
        RequireLength(input.Length, (long)T * C, nameof(input));
        RequireLength(weight.Length, C, nameof(weight));
        RequireLength(bias.Length, C, nameof(bias));
        for (int t = 0; t < T; t++)
        {
            LayerNormRow(output.Slice(t * C, C), input.Slice(t * C, C), weight, bias, eps);
        }
    }

    /// <summary>One row of <see cref="LayerNormForward"/>; returns the mean and rstd, which training keeps.</summary>
    internal static (float Mean, float Rstd) LayerNormRow(Span<float> outRow, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, float eps)
    {
        // outRow (C), x (C), weight (C), bias (C)
        int C = x.Length;
        float mean = 0f;
        for (int i = 0; i < C; i++)
        {
            mean += x[i];
        }
        mean /= C;
        float variance = 0f;
        for (int i = 0; i < C; i++)
        {
            float shifted = x[i] - mean;
            variance += shifted * shifted;
        }
        variance /= C;
        float rstd = 1f / MathF.Sqrt(variance + eps);
        for (int i = 0; i < C; i++)
        {
            outRow[i] = (x[i] - mean) * rstd * weight[i] + bias[i];
        }
        return (mean, rstd);
    }

    /// <summary>
    /// output[t,o] = dot(input[t,:], weight[o,:]) + bias[o]. Pass an empty bias for none (the lm_head).
    /// Each output is exactly one TensorPrimitives.Dot plus the bias, whatever T is, so a token's row is
    /// bit-identical whether it runs alone (decode) or among others (prefill).
    /// Takes Memory rather than Span because the rows are spread over threads.
    /// </summary>
    public static void MatmulForward(Memory<float> output, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight,
        ReadOnlyMemory<float> bias, int T, int C, int OC)
    {
        // output (T,OC), input (T,C), weight (OC,C), bias (OC) or empty
        RequireLength(output.Length, (long)T * OC, nameof(output));
        RequireLength(input.Length, (long)T * C, nameof(input));
        RequireLength(weight.Length, (long)OC * C, nameof(weight));
        if (!bias.IsEmpty)
        {
            RequireLength(bias.Length, OC, nameof(bias));
        }

        // Workers split the weight rows (not the positions): with T=1 that is the only split there is, and
        // in prefill it lets each weight row be read once per tile of positions.
        ForEachRange(OC, (long)T * C, (oStart, oEnd) =>
        {
            Span<float> outAll = output.Span;
            ReadOnlySpan<float> inAll = input.Span, weightAll = weight.Span, biasAll = bias.Span;
            for (int t0 = 0; t0 < T; t0 += MatmulRowTile)
            {
                int t1 = Math.Min(t0 + MatmulRowTile, T);
                for (int o = oStart; o < oEnd; o++)
                {
                    ReadOnlySpan<float> weightRow = weightAll.Slice(o * C, C);
                    float b = biasAll.IsEmpty ? 0f : biasAll[o];
                    for (int t = t0; t < t1; t++)
                    {
                        outAll[t * OC + o] = TensorPrimitives.Dot(inAll.Slice(t * C, C), weightRow) + b;
                    }
                }
            }
        });
    }

    /// <summary>
    /// Copies the key and value parts of each qkv row into the cache at positions pos0..pos0+T-1.
    /// Kept apart from <see cref="AttentionForward"/> so attention only reads the cache: run this first.
    /// </summary>
    public static void KvCacheWrite(Span<float> kCache, Span<float> vCache, ReadOnlySpan<float> qkv, int pos0, int T, int C)
    {
        // kCache (maxT,C), vCache (maxT,C), qkv (T,3C) with rows [q(C) | k(C) | v(C)]
        RequireLength(qkv.Length, (long)T * 3 * C, nameof(qkv));
        RequireLength(kCache.Length, (long)(pos0 + T) * C, nameof(kCache));
        RequireLength(vCache.Length, (long)(pos0 + T) * C, nameof(vCache));
        for (int t = 0; t < T; t++)
        {
            ReadOnlySpan<float> row = qkv.Slice(t * 3 * C, 3 * C);
            row.Slice(C, C).CopyTo(kCache.Slice((pos0 + t) * C, C));
            row.Slice(2 * C, C).CopyTo(vCache.Slice((pos0 + t) * C, C));
        }
    }

    /// <summary>
    /// Causal multi-head attention over the KV cache, which must already hold positions 0..pos0+T-1
    /// (see <see cref="KvCacheWrite"/>). The query of row t sits at absolute position p = pos0+t and attends
    /// to keys 0..p; head h uses channels h*hs..(h+1)*hs with hs = C/NH. Scores are scaled by 1/sqrt(hs) and
    /// softmaxed after subtracting their maximum, so large scores cannot overflow exp.
    /// </summary>
    public static void AttentionForward(Memory<float> output, ReadOnlyMemory<float> qkv, ReadOnlyMemory<float> kCache,
        ReadOnlyMemory<float> vCache, int pos0, int T, int C, int NH)
    {
        // output (T,C), qkv (T,3C), kCache (maxT,C), vCache (maxT,C)
        RequireLength(output.Length, (long)T * C, nameof(output));
        RequireLength(qkv.Length, (long)T * 3 * C, nameof(qkv));
        RequireLength(kCache.Length, (long)(pos0 + T) * C, nameof(kCache));
        RequireLength(vCache.Length, (long)(pos0 + T) * C, nameof(vCache));
        if (NH < 1 || C % NH != 0)
        {
            throw new ArgumentException($"C ({C}) must be a positive multiple of NH ({NH})", nameof(NH));
        }
        int hs = C / NH;
        float scale = 1f / MathF.Sqrt(hs);
        int maxKeys = pos0 + T;

        // One work item per (row, head); each needs a scratch row of scores, rented once per worker.
        ForEachRange(T * NH, (long)maxKeys * hs * 2, (start, end) =>
        {
            float[] scores = System.Buffers.ArrayPool<float>.Shared.Rent(maxKeys);
            try
            {
                Span<float> outAll = output.Span;
                ReadOnlySpan<float> qkvAll = qkv.Span, kAll = kCache.Span, vAll = vCache.Span;
                for (int item = start; item < end; item++)
                {
                    int t = item / NH, h = item % NH;
                    int p = pos0 + t;
                    ReadOnlySpan<float> query = qkvAll.Slice(t * 3 * C + h * hs, hs);
                    Span<float> att = scores.AsSpan(0, p + 1);

                    float maxScore = float.NegativeInfinity;
                    for (int key = 0; key <= p; key++)
                    {
                        float score = TensorPrimitives.Dot(query, kAll.Slice(key * C + h * hs, hs)) * scale;
                        att[key] = score;
                        maxScore = MathF.Max(maxScore, score);
                    }
                    float expSumInverse = 1f / ExpInPlace(att, maxScore);

                    Span<float> outHead = outAll.Slice(t * C + h * hs, hs);
                    outHead.Clear();
                    for (int key = 0; key <= p; key++)
                    {
                        float weight = att[key] * expSumInverse;
                        // outHead[i] += weight * value[i], unfused, vectorised
                        TensorPrimitives.MultiplyAdd(vAll.Slice(key * C + h * hs, hs), weight, outHead, outHead);
                    }
                }
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(scores);
            }
        });
    }

    /// <summary>
    /// gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³))). Finite for every finite x: x³ may overflow to
    /// ±infinity, but MathF.Tanh saturates to ±1 there. (A GLSL tanh built on exp can return NaN for large
    /// arguments; a shader must clamp its argument to match this.)
    /// </summary>
    public static void GeluForward(Span<float> output, ReadOnlySpan<float> input, int N)
    {
        // output (N), input (N)
        RequireLength(output.Length, N, nameof(output));
        RequireLength(input.Length, N, nameof(input));
        float sqrtTwoOverPi = MathF.Sqrt(2f / MathF.PI);
        for (int i = 0; i < N; i++)
        {
            float x = input[i];
            float cube = 0.044715f * x * x * x;
            output[i] = 0.5f * x * (1f + MathF.Tanh(sqrtTwoOverPi * (x + cube)));
        }
    }

    /// <summary>output = inp1 + inp2, elementwise.</summary>
    public static void ResidualForward(Span<float> output, ReadOnlySpan<float> inp1, ReadOnlySpan<float> inp2, int N)
    {
        // output (N), inp1 (N), inp2 (N)
        RequireLength(output.Length, N, nameof(output));
        RequireLength(inp1.Length, N, nameof(inp1));
        RequireLength(inp2.Length, N, nameof(inp2));
        for (int i = 0; i < N; i++)
        {
            output[i] = inp1[i] + inp2[i];
        }
    }

    /// <summary>scores[i] = exp(scores[i] - max), in order; returns their sum. The softmax's numerator, shared with training.</summary>
    internal static float ExpInPlace(Span<float> scores, float max)
    {
        float sum = 0f;
        for (int i = 0; i < scores.Length; i++)
        {
            float e = MathF.Exp(scores[i] - max);
            scores[i] = e;
            sum += e;
        }
        return sum;
    }

    // Runs body over [0,count) split into contiguous ranges, on several threads only when the work is large.
    internal static void ForEachRange(int count, long workPerItem, Action<int, int> body)
    {
        int workers = Environment.ProcessorCount;
        if (workers == 1 || count < 2 || count * workPerItem < ParallelWorkThreshold)
        {
            body(0, count);
            return;
        }
        // A few ranges per core so one slow core does not hold up the rest.
        int ranges = Math.Min(count, workers * 4);
        Parallel.For(0, ranges, r => body((int)((long)count * r / ranges), (int)((long)count * (r + 1) / ranges)));
    }

    internal static void RequireLength(int actual, long needed, string name)
    {
        if (actual < needed)
        {
            throw new ArgumentException($"{name} holds {actual} floats but the dimensions need {needed}", name);
        }
    }
}
