// Each CPU op against a direct float64 formula, plus the numerical edge cases the shaders must also survive.
using Playground.Model.Reference;

namespace Playground.Model.Tests.Reference;

public sealed class CpuOpsTests
{
    private static float[] RandomArray(int n, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => offset + scale * (float)(2 * random.NextDouble() - 1)).ToArray();
    }

    private static double[,] ToMatrix(float[] a, int rows, int columns)
    {
        var m = new double[rows, columns];
        for (int i = 0; i < rows * columns; i++)
        {
            m[i / columns, i % columns] = a[i];
        }
        return m;
    }

    [Fact]
    public void Encoder_adds_the_token_row_and_the_row_of_its_absolute_position()
    {
        const int T = 3, C = 5, V = 7, pos0 = 4;
        float[] wte = RandomArray(V * C, 1), wpe = RandomArray(10 * C, 2);
        int[] tokens = [6, 0, 3];
        var output = new float[T * C];

        CpuOps.EncoderForward(output, tokens, wte, wpe, pos0, T, C);

        for (int t = 0; t < T; t++)
        {
            for (int c = 0; c < C; c++)
            {
                Assert.Equal(wte[tokens[t] * C + c] + wpe[(pos0 + t) * C + c], output[t * C + c]);
            }
        }
    }

    [Theory]
    [InlineData(7, 48)]
    [InlineData(3, 30)]
    [InlineData(1, 768)]
    public void Layernorm_with_unit_gain_and_no_bias_gives_mean_0_and_variance_1(int T, int C)
    {
        float[] input = RandomArray(T * C, seed: T * C, scale: 3f, offset: 0.5f);
        float[] ones = Enumerable.Repeat(1f, C).ToArray();
        var output = new float[T * C];

        CpuOps.LayerNormForward(output, input, ones, new float[C], T, C, eps: 1e-5f);

        for (int t = 0; t < T; t++)
        {
            double[] row = output.Skip(t * C).Take(C).Select(x => (double)x).ToArray();
            double mean = row.Average();
            double variance = row.Select(x => (x - mean) * (x - mean)).Average();
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(variance, 1 - 1e-4, 1 + 1e-4);
        }
    }

    [Theory]
    [InlineData(7, 48, 0f, 1e-5)]
    // A large common offset: float32 rounding of the mean costs about 2e-5 here, while a one-pass
    // E[x²]-E[x]² would be off by about 1e-2.
    [InlineData(4, 30, 100f, 1e-4)]
    public void Layernorm_matches_float64_formula(int T, int C, float offset, double tolerance)
    {
        float[] input = RandomArray(T * C, 3, offset: offset), weight = RandomArray(C, 4, offset: 1f), bias = RandomArray(C, 5);
        var output = new float[T * C];

        CpuOps.LayerNormForward(output, input, weight, bias, T, C, eps: 1e-5f);

        double[,] expected = Float64Gpt2.LayerNorm(ToMatrix(input, T, C), weight, bias, 1e-5);
        Assert.InRange(Compare.RelativeMaxError(output, expected), 0, tolerance);
    }

    public static TheoryData<int, int, int, bool> MatmulShapes() => new()
    {
        { 1, 30, 7, true },
        { 5, 48, 97, false },
        { 3, 64, 1000, true },  // enough work for the multi-threaded path
        { 70, 32, 96, true },   // more rows than one tile of positions
    };

    [Theory]
    [MemberData(nameof(MatmulShapes))]
    public void Matmul_matches_float64_formula(int T, int C, int OC, bool withBias)
    {
        float[] input = RandomArray(T * C, 6), weight = RandomArray(OC * C, 7);
        float[]? bias = withBias ? RandomArray(OC, 8) : null;
        var output = new float[T * OC];

        CpuOps.MatmulForward(output, input, weight, bias ?? ReadOnlyMemory<float>.Empty, T, C, OC);

        double[,] expected = Float64Gpt2.Linear(ToMatrix(input, T, C), weight, bias, OC);
        Assert.InRange(Compare.RelativeMaxError(output, expected), 0, 1e-5);
    }

    [Fact]
    public void Matmul_gives_a_row_the_same_bits_alone_as_among_other_rows()
    {
        const int T = 70, C = 64, OC = 1000;
        float[] input = RandomArray(T * C, 9), weight = RandomArray(OC * C, 10), bias = RandomArray(OC, 11);
        var together = new float[T * OC];
        var alone = new float[OC];

        CpuOps.MatmulForward(together, input, weight, bias, T, C, OC);
        CpuOps.MatmulForward(alone, input.AsMemory(69 * C, C), weight, bias, 1, C, OC);

        Assert.Equal(together.AsSpan(69 * OC), alone.AsSpan());
    }

    [Fact]
    public void KvCacheWrite_copies_keys_and_values_to_their_positions()
    {
        const int T = 2, C = 4, pos0 = 3;
        float[] qkv = Enumerable.Range(0, T * 3 * C).Select(i => (float)i).ToArray();
        var keys = new float[8 * C];
        var values = new float[8 * C];

        CpuOps.KvCacheWrite(keys, values, qkv, pos0, T, C);

        for (int t = 0; t < T; t++)
        {
            Assert.Equal(qkv.AsSpan(t * 3 * C + C, C), keys.AsSpan((pos0 + t) * C, C));
            Assert.Equal(qkv.AsSpan(t * 3 * C + 2 * C, C), values.AsSpan((pos0 + t) * C, C));
        }
        Assert.All(keys.Take(pos0 * C), k => Assert.Equal(0f, k));
    }

    [Fact]
    public void Attention_of_a_single_token_returns_its_value()
    {
        const int C = 12, NH = 3;
        float[] qkv = RandomArray(3 * C, 12, scale: 5f);
        var keys = new float[4 * C];
        var values = new float[4 * C];
        var output = new float[C];

        CpuOps.KvCacheWrite(keys, values, qkv, 0, 1, C);
        CpuOps.AttentionForward(output, qkv, keys, values, 0, 1, C, NH);

        Assert.Equal(qkv.AsSpan(2 * C, C), output.AsSpan());
    }

    [Theory]
    [InlineData(9, 5, 48, 3)]
    [InlineData(6, 0, 30, 5)]
    [InlineData(64, 0, 32, 2)]  // enough work for the multi-threaded path
    public void Attention_over_the_cache_matches_float64_full_sequence_attention(int total, int pos0, int C, int NH)
    {
        // Rows before pos0 reach the cache in an earlier call; rows pos0.. are the current call.
        float[] qkv = RandomArray(total * 3 * C, 13, scale: 2f);
        var keys = new float[total * C];
        var values = new float[total * C];
        int T = total - pos0;
        var output = new float[T * C];

        CpuOps.KvCacheWrite(keys, values, qkv, 0, pos0, C);
        ReadOnlyMemory<float> current = qkv.AsMemory(pos0 * 3 * C);
        CpuOps.KvCacheWrite(keys, values, current.Span, pos0, T, C);
        CpuOps.AttentionForward(output, current, keys, values, pos0, T, C, NH);

        double[,] expected = Float64Gpt2.CausalSelfAttention(ToMatrix(qkv, total, 3 * C), C, NH);
        Assert.InRange(Compare.RelativeMaxError(output, expected, firstRow: pos0), 0, 1e-5);
    }

    [Fact]
    public void Attention_stays_finite_with_huge_scores_and_picks_the_top_key()
    {
        // Scores around 1e6 overflow exp unless the maximum is subtracted first.
        const int T = 4, C = 8, NH = 1;
        var qkv = new float[T * 3 * C];
        for (int t = 0; t < T; t++)
        {
            for (int i = 0; i < C; i++)
            {
                qkv[t * 3 * C + i] = 1000f;                   // query
                qkv[t * 3 * C + C + i] = 100f * (t + 1);      // key: later keys score higher
                qkv[t * 3 * C + 2 * C + i] = t + 0.5f;        // value identifies the key
            }
        }
        var keys = new float[T * C];
        var values = new float[T * C];
        var output = new float[T * C];

        CpuOps.KvCacheWrite(keys, values, qkv, 0, T, C);
        CpuOps.AttentionForward(output, qkv, keys, values, 0, T, C, NH);

        // Row t sees keys 0..t and key t wins outright, so its value comes through unchanged.
        for (int t = 0; t < T; t++)
        {
            Assert.All(output.Skip(t * C).Take(C), y => Assert.Equal(t + 0.5f, y));
        }
    }

    [Fact]
    public void Gelu_matches_float64_formula_from_minus_30_to_30()
    {
        float[] input = Enumerable.Range(-3000, 6001).Select(i => i / 100f).ToArray();
        var output = new float[input.Length];

        CpuOps.GeluForward(output, input, input.Length);

        for (int i = 0; i < input.Length; i++)
        {
            double expected = Float64Gpt2.Gelu(input[i]);
            Assert.True(Math.Abs(output[i] - expected) <= 1e-6 + 1e-5 * Math.Abs(expected),
                $"gelu({input[i]}) = {output[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Gelu_is_finite_for_huge_inputs_where_the_cube_overflows()
    {
        float[] input = [1e4f, -1e4f, 1e13f, -1e13f, 1e30f, -1e30f, float.MaxValue, float.MinValue];
        var output = new float[input.Length];

        CpuOps.GeluForward(output, input, input.Length);

        for (int i = 0; i < input.Length; i++)
        {
            // Far from 0, gelu is the identity for positive inputs and 0 for negative ones.
            Assert.Equal(input[i] > 0 ? input[i] : 0f, output[i]);
        }
    }

    [Fact]
    public void Residual_adds_elementwise_and_may_write_over_its_first_input()
    {
        float[] a = RandomArray(10, 14), b = RandomArray(10, 15);
        float[] expected = a.Zip(b, (x, y) => x + y).ToArray();

        CpuOps.ResidualForward(a, a, b, a.Length);

        Assert.Equal(expected, a);
    }

    [Fact]
    public void Ops_reject_buffers_too_small_for_their_dimensions()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            CpuOps.MatmulForward(new float[5], new float[6], new float[6], ReadOnlyMemory<float>.Empty, 2, 3, 3));
        Assert.Contains("output", ex.Message, StringComparison.Ordinal);
    }
}
