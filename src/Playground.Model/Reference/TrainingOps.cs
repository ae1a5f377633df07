// The backward pass of every GPT-2 op, beside the forward variants training needs, in the plain style of CpuOps.
using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Playground.Model.Reference;

/// <summary>
/// Training ops in the style of llm.c's train_gpt2.c: one function per op and direction, row-major float32
/// buffers, shapes in comments. B is the batch, T the time steps of each sequence, N = B*T the rows.
/// Forward ops that inference already has (encoder, matmul, residual) are <see cref="CpuOps"/>' own; the forward
/// variants here also keep what their backward needs (layernorm's mean and rstd, attention's probabilities),
/// or, for gelu, vectorise the tanh that dominates its cost.
/// Backward functions add (+=) into every gradient they are given, as llm.c's do, so a tensor that feeds two
/// ops receives the sum of both; zero the gradients before a backward pass.
/// Every output is computed by one thread in one fixed order, so results do not depend on the thread count.
/// </summary>
public static class TrainingOps
{
    // The matmul gradients sum over k in slices of this many rows of b, which then stay in cache.
    private const int ProductSlice = 256;

    // Gelu works through its input in chunks of this many floats, whose tanh fits a stack buffer.
    private const int GeluChunk = 1024;

    /// <summary>
    /// Token plus position embedding of B sequences; sequence b holds the tokens at absolute positions
    /// firstPositions[b].. (all start at 0 when <paramref name="firstPositions"/> is empty).
    /// </summary>
    public static void EncoderForward(Span<float> output, ReadOnlySpan<int> tokens, ReadOnlySpan<int> firstPositions,
        ReadOnlySpan<float> wte, ReadOnlySpan<float> wpe, int B, int T, int C)
    {
        // output (B,T,C), tokens (B,T), firstPositions (B) or empty, wte (V,C), wpe (maxT,C)
        CpuOps.RequireLength(output.Length, (long)B * T * C, nameof(output));
        RequireBatch(tokens, firstPositions, B, T);
        for (int b = 0; b < B; b++)
        {
            int pos0 = FirstPosition(firstPositions, b);
            CpuOps.EncoderForward(output.Slice(b * T * C, T * C), tokens.Slice(b * T, T), wte, wpe, pos0, T, C);
        }
    }

    /// <summary>Each row's gradient flows to the embedding row of its token and to that of its position.</summary>
    public static void EncoderBackward(Span<float> dwte, Span<float> dwpe, ReadOnlySpan<float> doutput,
        ReadOnlySpan<int> tokens, ReadOnlySpan<int> firstPositions, int B, int T, int C)
    {
        // dwte (V,C), dwpe (maxT,C), doutput (B,T,C), tokens (B,T), firstPositions (B) or empty
        CpuOps.RequireLength(doutput.Length, (long)B * T * C, nameof(doutput));
        RequireBatch(tokens, firstPositions, B, T);
        for (int b = 0; b < B; b++)
        {
            int pos0 = FirstPosition(firstPositions, b);
            CpuOps.RequireLength(dwpe.Length, (long)(pos0 + T) * C, nameof(dwpe));
            for (int t = 0; t < T; t++)
            {
                ReadOnlySpan<float> dout = doutput.Slice((b * T + t) * C, C);
                Span<float> dTokenRow = dwte.Slice(tokens[b * T + t] * C, C);
                Span<float> dPositionRow = dwpe.Slice((pos0 + t) * C, C);
                TensorPrimitives.Add(dTokenRow, dout, dTokenRow);
                TensorPrimitives.Add(dPositionRow, dout, dPositionRow);
            }
        }
    }

    /// <summary>
    /// <see cref="CpuOps.LayerNormForward"/> with the same arithmetic, bit for bit, that also keeps each row's
    /// mean and 1/sqrt(var + eps) for the backward pass.
    /// </summary>
    public static void LayerNormForward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int N, int C, float eps)
    {
        // output (N,C), mean (N), rstd (N), input (N,C), weight (C), bias (C)
        CpuOps.RequireLength(output.Length, (long)N * C, nameof(output));
        CpuOps.RequireLength(mean.Length, N, nameof(mean));
        CpuOps.RequireLength(rstd.Length, N, nameof(rstd));
        CpuOps.RequireLength(input.Length, (long)N * C, nameof(input));
        CpuOps.RequireLength(weight.Length, C, nameof(weight));
        CpuOps.RequireLength(bias.Length, C, nameof(bias));
        for (int n = 0; n < N; n++)
        {
            (mean[n], rstd[n]) = CpuOps.LayerNormRow(output.Slice(n * C, C), input.Slice(n * C, C), weight, bias, eps);
        }
    }

    /// <summary>
    /// With norm = (x - mean) * rstd and y = norm * weight + bias: dnorm = dy * weight, and
    /// dx = rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)), the mean and variance terms' share.
    /// </summary>
    public static void LayerNormBackward(Span<float> dinput, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> doutput,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, int N, int C)
    {
        // dinput (N,C), dweight (C), dbias (C), doutput (N,C), input (N,C), weight (C), mean (N), rstd (N)
        CpuOps.RequireLength(dinput.Length, (long)N * C, nameof(dinput));
        CpuOps.RequireLength(dweight.Length, C, nameof(dweight));
        CpuOps.RequireLength(dbias.Length, C, nameof(dbias));
        CpuOps.RequireLength(doutput.Length, (long)N * C, nameof(doutput));
        CpuOps.RequireLength(input.Length, (long)N * C, nameof(input));
        CpuOps.RequireLength(weight.Length, C, nameof(weight));
        CpuOps.RequireLength(mean.Length, N, nameof(mean));
        CpuOps.RequireLength(rstd.Length, N, nameof(rstd));
        for (int n = 0; n < N; n++)
        {
            ReadOnlySpan<float> x = input.Slice(n * C, C);
            ReadOnlySpan<float> dout = doutput.Slice(n * C, C);
            Span<float> dx = dinput.Slice(n * C, C);
            float m = mean[n], s = rstd[n];

            float dnormMean = 0f, dnormNormMean = 0f;
            for (int i = 0; i < C; i++)
            {
                float norm = (x[i] - m) * s;
                float dnorm = weight[i] * dout[i];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= C;
            dnormNormMean /= C;

            for (int i = 0; i < C; i++)
            {
                float norm = (x[i] - m) * s;
                float dnorm = weight[i] * dout[i];
                dbias[i] += dout[i];
                dweight[i] += norm * dout[i];
                dx[i] += (dnorm - dnormMean - norm * dnormNormMean) * s;
            }
        }
    }

    /// <summary>
    /// Gradients of output = input weightᵀ + bias (<see cref="CpuOps.MatmulForward"/>):
    /// dinput = doutput weight, dweight = doutputᵀ input, dbias = the column sums of doutput.
    /// Pass an empty <paramref name="dbias"/> when the forward had no bias.
    /// </summary>
    public static void MatmulBackward(Memory<float> dinput, Memory<float> dweight, Memory<float> dbias,
        ReadOnlyMemory<float> doutput, ReadOnlyMemory<float> input, ReadOnlyMemory<float> weight, int N, int C, int OC)
    {
        // dinput (N,C), dweight (OC,C), dbias (OC) or empty, doutput (N,OC), input (N,C), weight (OC,C)
        CpuOps.RequireLength(dinput.Length, (long)N * C, nameof(dinput));
        CpuOps.RequireLength(dweight.Length, (long)OC * C, nameof(dweight));
        CpuOps.RequireLength(doutput.Length, (long)N * OC, nameof(doutput));
        CpuOps.RequireLength(input.Length, (long)N * C, nameof(input));
        CpuOps.RequireLength(weight.Length, (long)OC * C, nameof(weight));
        if (!dbias.IsEmpty)
        {
            CpuOps.RequireLength(dbias.Length, OC, nameof(dbias));
        }

        // dinput[n,c] += sum over o of doutput[n,o] * weight[o,c]
        AccumulateProduct(dinput, doutput, OC, 1, weight, N, OC, C);
        // dweight[o,c] += sum over n of doutput[n,o] * input[n,c]
        AccumulateProduct(dweight, doutput, 1, OC, input, OC, N, C);
        if (!dbias.IsEmpty)
        {
            // Summed apart, then added once: the gradient is then the same whatever dbias held before.
            float[] columnSums = ArrayPool<float>.Shared.Rent(OC);
            try
            {
                Span<float> sums = columnSums.AsSpan(0, OC);
                sums.Clear();
                ReadOnlySpan<float> dout = doutput.Span;
                for (int n = 0; n < N; n++)
                {
                    TensorPrimitives.Add(sums, dout.Slice(n * OC, OC), sums);
                }
                Span<float> db = dbias.Span[..OC];
                TensorPrimitives.Add(db, sums, db);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(columnSums);
            }
        }
    }

    /// <summary>
    /// Causal multi-head self-attention over B whole sequences, as <see cref="CpuOps.AttentionForward"/> computes
    /// it over a cache, keeping the softmax probabilities in <paramref name="att"/> for the backward pass.
    /// Entries of att above the diagonal (future keys) are written as zero.
    /// </summary>
    public static void AttentionForward(Memory<float> output, Memory<float> att, ReadOnlyMemory<float> qkv, int B, int T, int C, int NH)
    {
        // output (B,T,C), att (B,NH,T,T), qkv (B,T,3C) with rows [q(C) | k(C) | v(C)]
        CpuOps.RequireLength(output.Length, (long)B * T * C, nameof(output));
        CpuOps.RequireLength(att.Length, (long)B * NH * T * T, nameof(att));
        CpuOps.RequireLength(qkv.Length, (long)B * T * 3 * C, nameof(qkv));
        int hs = HeadSize(C, NH);
        float scale = 1f / MathF.Sqrt(hs);

        CpuOps.ForEachRange(B * NH * T, (long)T * hs, (start, end) =>
        {
            Span<float> outAll = output.Span, attAll = att.Span;
            ReadOnlySpan<float> qkvAll = qkv.Span;
            for (int item = start; item < end; item++)
            {
                int b = item / (NH * T), h = item / T % NH, t = item % T;
                ReadOnlySpan<float> query = qkvAll.Slice((b * T + t) * 3 * C + h * hs, hs);
                Span<float> attRow = attAll.Slice(((b * NH + h) * T + t) * T, T);

                float maxScore = float.NegativeInfinity;
                for (int t2 = 0; t2 <= t; t2++)
                {
                    ReadOnlySpan<float> key = qkvAll.Slice((b * T + t2) * 3 * C + C + h * hs, hs);
                    float score = TensorPrimitives.Dot(query, key) * scale;
                    attRow[t2] = score;
                    maxScore = MathF.Max(maxScore, score);
                }
                float expSumInverse = 1f / CpuOps.ExpInPlace(attRow[..(t + 1)], maxScore);
                for (int t2 = 0; t2 <= t; t2++)
                {
                    attRow[t2] *= expSumInverse;
                }
                attRow[(t + 1)..].Clear();

                Span<float> outHead = outAll.Slice((b * T + t) * C + h * hs, hs);
                outHead.Clear();
                for (int t2 = 0; t2 <= t; t2++)
                {
                    ReadOnlySpan<float> value = qkvAll.Slice((b * T + t2) * 3 * C + 2 * C + h * hs, hs);
                    TensorPrimitives.MultiplyAdd(value, attRow[t2], outHead, outHead);
                }
            }
        });
    }

    /// <summary>
    /// Backward of <see cref="AttentionForward"/>, one (sequence, head) pair per work item since every query of
    /// a head adds into the key and value gradients of the earlier positions. For out = Σ att·v:
    /// datt = dout·v and dv += att·dout; through the softmax, dscore = att (datt - Σ att·datt); through the
    /// scaled scores, dq += dscore·k·scale and dk += dscore·q·scale.
    /// </summary>
    public static void AttentionBackward(Memory<float> dqkv, ReadOnlyMemory<float> doutput, ReadOnlyMemory<float> qkv,
        ReadOnlyMemory<float> att, int B, int T, int C, int NH)
    {
        // dqkv (B,T,3C), doutput (B,T,C), qkv (B,T,3C), att (B,NH,T,T)
        CpuOps.RequireLength(dqkv.Length, (long)B * T * 3 * C, nameof(dqkv));
        CpuOps.RequireLength(doutput.Length, (long)B * T * C, nameof(doutput));
        CpuOps.RequireLength(qkv.Length, (long)B * T * 3 * C, nameof(qkv));
        CpuOps.RequireLength(att.Length, (long)B * NH * T * T, nameof(att));
        int hs = HeadSize(C, NH);
        float scale = 1f / MathF.Sqrt(hs);

        CpuOps.ForEachRange(B * NH, (long)T * T * hs * 2, (start, end) =>
        {
            float[] dattRow = ArrayPool<float>.Shared.Rent(T);
            try
            {
                Span<float> dqkvAll = dqkv.Span;
                ReadOnlySpan<float> doutAll = doutput.Span, qkvAll = qkv.Span, attAll = att.Span;
                Span<float> datt = dattRow.AsSpan(0, T);
                for (int item = start; item < end; item++)
                {
                    int b = item / NH, h = item % NH;
                    for (int t = 0; t < T; t++)
                    {
                        ReadOnlySpan<float> attRow = attAll.Slice(((b * NH + h) * T + t) * T, t + 1);
                        ReadOnlySpan<float> doutHead = doutAll.Slice((b * T + t) * C + h * hs, hs);
                        int queryOffset = (b * T + t) * 3 * C + h * hs;

                        float weightedSum = 0f;
                        for (int t2 = 0; t2 <= t; t2++)
                        {
                            int valueOffset = (b * T + t2) * 3 * C + 2 * C + h * hs;
                            datt[t2] = TensorPrimitives.Dot(qkvAll.Slice(valueOffset, hs), doutHead);
                            Span<float> dvalue = dqkvAll.Slice(valueOffset, hs);
                            TensorPrimitives.MultiplyAdd(doutHead, attRow[t2], dvalue, dvalue);
                            weightedSum += attRow[t2] * datt[t2];
                        }

                        Span<float> dquery = dqkvAll.Slice(queryOffset, hs);
                        ReadOnlySpan<float> query = qkvAll.Slice(queryOffset, hs);
                        for (int t2 = 0; t2 <= t; t2++)
                        {
                            float dscore = attRow[t2] * (datt[t2] - weightedSum) * scale;
                            int keyOffset = (b * T + t2) * 3 * C + C + h * hs;
                            TensorPrimitives.MultiplyAdd(qkvAll.Slice(keyOffset, hs), dscore, dquery, dquery);
                            Span<float> dkey = dqkvAll.Slice(keyOffset, hs);
                            TensorPrimitives.MultiplyAdd(query, dscore, dkey, dkey);
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(dattRow);
            }
        });
    }

    /// <summary>
    /// gelu_new, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³))), as <see cref="CpuOps.GeluForward"/> computes it
    /// but with the tanh vectorised (TensorPrimitives.Tanh), which is most of the cost: the results may differ
    /// from CpuOps' in the last bit.
    /// </summary>
    public static void GeluForward(Span<float> output, ReadOnlySpan<float> input, int N)
    {
        // output (N), input (N)
        CpuOps.RequireLength(output.Length, N, nameof(output));
        CpuOps.RequireLength(input.Length, N, nameof(input));
        Span<float> tanh = stackalloc float[GeluChunk];
        for (int start = 0; start < N; start += GeluChunk)
        {
            int length = Math.Min(GeluChunk, N - start);
            ReadOnlySpan<float> x = input.Slice(start, length);
            Span<float> t = tanh[..length];
            GeluTanh(x, t);
            Span<float> outChunk = output.Slice(start, length);
            for (int i = 0; i < length; i++)
            {
                outChunk[i] = 0.5f * x[i] * (1f + t[i]);
            }
        }
    }

    /// <summary>
    /// Derivative of gelu_new: with u = sqrt(2/pi)(x + 0.044715x³),
    /// d/dx = 0.5(1 + tanh u) + 0.5x(1 - tanh²u) sqrt(2/pi)(1 + 3·0.044715x²).
    /// 1 - tanh² rather than 1/cosh² so that a large |u| gives 0, not an overflow.
    /// </summary>
    public static void GeluBackward(Span<float> dinput, ReadOnlySpan<float> input, ReadOnlySpan<float> doutput, int N)
    {
        // dinput (N), input (N), doutput (N)
        CpuOps.RequireLength(dinput.Length, N, nameof(dinput));
        CpuOps.RequireLength(input.Length, N, nameof(input));
        CpuOps.RequireLength(doutput.Length, N, nameof(doutput));
        float sqrtTwoOverPi = MathF.Sqrt(2f / MathF.PI);
        Span<float> tanh = stackalloc float[GeluChunk];
        for (int start = 0; start < N; start += GeluChunk)
        {
            int length = Math.Min(GeluChunk, N - start);
            ReadOnlySpan<float> x = input.Slice(start, length);
            Span<float> t = tanh[..length];
            GeluTanh(x, t);
            for (int i = 0; i < length; i++)
            {
                float xi = x[i];
                float sech2 = 1f - t[i] * t[i];
                // Where tanh has saturated the second term is 0; computing it could give 0 * infinity for a huge x.
                float tanhTerm = sech2 == 0f ? 0f : 0.5f * xi * sech2 * sqrtTwoOverPi * (1f + 3f * 0.044715f * xi * xi);
                float localGradient = 0.5f * (1f + t[i]) + tanhTerm;
                dinput[start + i] += localGradient * doutput[start + i];
            }
        }
    }

    // tanh(sqrt(2/pi) (x + 0.044715 x³)) for a chunk of gelu inputs. Finite for every finite x: x³ may overflow to
    // ±infinity, and tanh saturates there.
    private static void GeluTanh(ReadOnlySpan<float> x, Span<float> tanh)
    {
        float sqrtTwoOverPi = MathF.Sqrt(2f / MathF.PI);
        for (int i = 0; i < x.Length; i++)
        {
            tanh[i] = sqrtTwoOverPi * (x[i] + 0.044715f * x[i] * x[i] * x[i]);
        }
        TensorPrimitives.Tanh(tanh, tanh);
    }

    /// <summary>output = inp1 + inp2 passes its gradient unchanged to both inputs.</summary>
    public static void ResidualBackward(Span<float> dinp1, Span<float> dinp2, ReadOnlySpan<float> doutput, int N)
    {
        // dinp1 (N), dinp2 (N), doutput (N)
        CpuOps.RequireLength(dinp1.Length, N, nameof(dinp1));
        CpuOps.RequireLength(dinp2.Length, N, nameof(dinp2));
        CpuOps.RequireLength(doutput.Length, N, nameof(doutput));
        for (int i = 0; i < N; i++)
        {
            dinp1[i] += doutput[i];
            dinp2[i] += doutput[i];
        }
    }

    /// <summary>
    /// Softmax of each row of logits (maximum subtracted first, so no exp overflows), and each row's
    /// cross-entropy loss -ln probs[target], in nats.
    /// </summary>
    public static void SoftmaxCrossEntropyForward(Span<float> losses, Span<float> probs, ReadOnlySpan<float> logits,
        ReadOnlySpan<int> targets, int N, int V)
    {
        // losses (N), probs (N,V), logits (N,V), targets (N)
        CpuOps.RequireLength(losses.Length, N, nameof(losses));
        CpuOps.RequireLength(probs.Length, (long)N * V, nameof(probs));
        CpuOps.RequireLength(logits.Length, (long)N * V, nameof(logits));
        CpuOps.RequireLength(targets.Length, N, nameof(targets));
        for (int n = 0; n < N; n++)
        {
            ReadOnlySpan<float> logitRow = logits.Slice(n * V, V);
            Span<float> probRow = probs.Slice(n * V, V);
            float maxLogit = TensorPrimitives.Max(logitRow);
            float expSum = 0f;
            for (int v = 0; v < V; v++)
            {
                float e = MathF.Exp(logitRow[v] - maxLogit);
                probRow[v] = e;
                expSum += e;
            }
            float expSumInverse = 1f / expSum;
            for (int v = 0; v < V; v++)
            {
                probRow[v] *= expSumInverse;
            }
            // -ln(softmax) from the logits directly: ln(probs) would be -inf for a probability that underflowed.
            losses[n] = maxLogit + MathF.Log(expSum) - logitRow[targets[n]];
        }
    }

    /// <summary>The gradient of -ln softmax(logits)[target] is probs - onehot(target), scaled by each row's dloss.</summary>
    public static void SoftmaxCrossEntropyBackward(Span<float> dlogits, ReadOnlySpan<float> dlosses, ReadOnlySpan<float> probs,
        ReadOnlySpan<int> targets, int N, int V)
    {
        // dlogits (N,V), dlosses (N), probs (N,V), targets (N)
        CpuOps.RequireLength(dlogits.Length, (long)N * V, nameof(dlogits));
        CpuOps.RequireLength(dlosses.Length, N, nameof(dlosses));
        CpuOps.RequireLength(probs.Length, (long)N * V, nameof(probs));
        CpuOps.RequireLength(targets.Length, N, nameof(targets));
        for (int n = 0; n < N; n++)
        {
            Span<float> dlogitRow = dlogits.Slice(n * V, V);
            ReadOnlySpan<float> probRow = probs.Slice(n * V, V);
            float dloss = dlosses[n];
            int target = targets[n];
            for (int v = 0; v < V; v++)
            {
                float indicator = v == target ? 1f : 0f;
                dlogitRow[v] += (probRow[v] - indicator) * dloss;
            }
        }
    }

    // c (I,J) += a (I,K) b (K,J), with a[i,k] at a[i*aStrideI + k*aStrideK] so that a transposed operand needs no
    // copy; b and c are row-major. A worker owns blocks of 4 rows of c and keeps a 4 x 2-vector tile of sums in
    // registers while it walks k, reading each b row once per tile instead of once per output. k runs in slices
    // whose b rows stay in cache; every c element adds the same slices in the same order on any thread count.
    private static void AccumulateProduct(Memory<float> c, ReadOnlyMemory<float> a, int aStrideI, int aStrideK,
        ReadOnlyMemory<float> b, int I, int K, int J)
    {
        const int tileRows = 4;
        int width = Vector<float>.Count;
        int rowBlocks = (I + tileRows - 1) / tileRows;
        CpuOps.ForEachRange(rowBlocks, (long)tileRows * K * J, (blockStart, blockEnd) =>
        {
            Span<float> cAll = c.Span;
            ReadOnlySpan<float> aAll = a.Span, bAll = b.Span;
            for (int k0 = 0; k0 < K; k0 += ProductSlice)
            {
                int k1 = Math.Min(k0 + ProductSlice, K);
                for (int block = blockStart; block < blockEnd; block++)
                {
                    int i0 = block * tileRows;
                    int j = 0;
                    if (i0 + tileRows <= I)
                    {
                        for (; j + 2 * width <= J; j += 2 * width)
                        {
                            Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
                            Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
                            for (int k = k0; k < k1; k++)
                            {
                                var b0 = new Vector<float>(bAll.Slice(k * J + j, width));
                                var b1 = new Vector<float>(bAll.Slice(k * J + j + width, width));
                                int aIndex = i0 * aStrideI + k * aStrideK;
                                var a0 = new Vector<float>(aAll[aIndex]);
                                var a1 = new Vector<float>(aAll[aIndex + aStrideI]);
                                var a2 = new Vector<float>(aAll[aIndex + 2 * aStrideI]);
                                var a3 = new Vector<float>(aAll[aIndex + 3 * aStrideI]);
                                c00 = Vector.FusedMultiplyAdd(a0, b0, c00);
                                c01 = Vector.FusedMultiplyAdd(a0, b1, c01);
                                c10 = Vector.FusedMultiplyAdd(a1, b0, c10);
                                c11 = Vector.FusedMultiplyAdd(a1, b1, c11);
                                c20 = Vector.FusedMultiplyAdd(a2, b0, c20);
                                c21 = Vector.FusedMultiplyAdd(a2, b1, c21);
                                c30 = Vector.FusedMultiplyAdd(a3, b0, c30);
                                c31 = Vector.FusedMultiplyAdd(a3, b1, c31);
                            }
                            AddTo(cAll.Slice(i0 * J + j, 2 * width), c00, c01);
                            AddTo(cAll.Slice((i0 + 1) * J + j, 2 * width), c10, c11);
                            AddTo(cAll.Slice((i0 + 2) * J + j, 2 * width), c20, c21);
                            AddTo(cAll.Slice((i0 + 3) * J + j, 2 * width), c30, c31);
                        }
                    }
                    // Columns past the last full tile, and the rows of a last partial block: one sum per element.
                    for (int i = i0; i < Math.Min(i0 + tileRows, I); i++)
                    {
                        for (int jj = i0 + tileRows <= I ? j : 0; jj < J; jj++)
                        {
                            float sum = 0f;
                            for (int k = k0; k < k1; k++)
                            {
                                sum = MathF.FusedMultiplyAdd(aAll[i * aStrideI + k * aStrideK], bAll[k * J + jj], sum);
                            }
                            cAll[i * J + jj] += sum;
                        }
                    }
                }
            }
        });
    }

    private static void AddTo(Span<float> destination, Vector<float> low, Vector<float> high)
    {
        int width = Vector<float>.Count;
        (new Vector<float>(destination[..width]) + low).CopyTo(destination[..width]);
        (new Vector<float>(destination.Slice(width, width)) + high).CopyTo(destination.Slice(width, width));
    }

    // tokens (B,T), firstPositions (B) or empty
    private static void RequireBatch(ReadOnlySpan<int> tokens, ReadOnlySpan<int> firstPositions, int B, int T)
    {
        CpuOps.RequireLength(tokens.Length, (long)B * T, nameof(tokens));
        if (!firstPositions.IsEmpty)
        {
            CpuOps.RequireLength(firstPositions.Length, B, nameof(firstPositions));
        }
    }

    private static int FirstPosition(ReadOnlySpan<int> firstPositions, int b) => firstPositions.IsEmpty ? 0 : firstPositions[b];

    private static int HeadSize(int C, int NH)
    {
        if (NH < 1 || C % NH != 0)
        {
            throw new ArgumentException($"C ({C}) must be a positive multiple of NH ({NH})", nameof(NH));
        }
        return C / NH;
    }
}
