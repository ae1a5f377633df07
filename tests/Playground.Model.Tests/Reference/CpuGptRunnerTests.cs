// Checks the CPU runner against the independent float64 GPT-2, and its KV cache against full recomputation.
using Playground.Model;
using Playground.Model.Reference;
using Xunit.Abstractions;

namespace Playground.Model.Tests.Reference;

public sealed class CpuGptRunnerTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Prefill_logits_at_every_position_match_float64_reference(ModelCase model)
    {
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var runner = new CpuGptRunner(weights);

        float[] logits = runner.Forward(prompt, allPositions: true);

        Assert.Equal(model.T * model.V, logits.Length);
        double error = Compare.RelativeMaxError(logits, Float64Gpt2.Logits(weights, prompt));
        output.WriteLine($"{model}: max|err|/max|logit| = {error:E2}");
        Assert.InRange(error, 0, 1e-4);
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Last_position_logits_equal_the_last_row_of_all_positions(ModelCase model)
    {
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var all = new CpuGptRunner(weights);
        using var last = new CpuGptRunner(weights);

        float[] allRows = all.Forward(prompt, allPositions: true);
        float[] lastRow = last.Forward(prompt);

        Assert.Equal(allRows.AsSpan((model.T - 1) * model.V), lastRow.AsSpan());
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Decoding_token_by_token_matches_one_full_forward(ModelCase model)
    {
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var full = new CpuGptRunner(weights);
        using var stepwise = new CpuGptRunner(weights);
        float[] expected = full.Forward(prompt, allPositions: true);

        for (int t = 0; t < prompt.Length; t++)
        {
            float[] row = stepwise.Forward(prompt.AsSpan(t, 1));
            Assert.Equal(t + 1, stepwise.Position);
            double error = Compare.RelativeMaxError(row, expected.AsSpan(t * model.V, model.V));
            Assert.True(error <= 1e-5, $"position {t}: relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Prefill_in_uneven_chunks_matches_one_full_forward(ModelCase model)
    {
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var full = new CpuGptRunner(weights);
        using var chunked = new CpuGptRunner(weights);
        float[] expected = full.Forward(prompt, allPositions: true);

        // Chunks of 1, 2, 3, ... tokens so that every call starts at a different offset in the cache.
        for (int start = 0, size = 1; start < prompt.Length; start += size, size++)
        {
            int n = Math.Min(size, prompt.Length - start);
            float[] rows = chunked.Forward(prompt.AsSpan(start, n), allPositions: true);
            double error = Compare.RelativeMaxError(rows, expected.AsSpan(start * model.V, n * model.V));
            Assert.True(error <= 1e-5, $"chunk at {start} of {n} tokens: relative error {error:E2}");
        }
    }

    public static TheoryData<ModelCase> GreedyCases() => new(
        new ModelCase(L: 2, H: 3, C: 48, V: 97, T: 8, NPositions: 48),
        new ModelCase(L: 2, H: 5, C: 30, V: 50, T: 3, NPositions: 40, Seed: 7),
        new ModelCase(L: 1, H: 1, C: 16, V: 29, T: 1, NPositions: 33, UntiedLmHead: true, Seed: 3));

    [Theory]
    [MemberData(nameof(GreedyCases))]
    public void Greedy_continuation_of_32_tokens_matches_float64_reference(ModelCase model)
    {
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        int[] expected = Float64Gpt2.GreedyContinuation(weights, prompt, 32);

        using var runner = new CpuGptRunner(weights);
        var actual = new int[32];
        float[] logits = runner.Forward(prompt);
        for (int n = 0; n < actual.Length; n++)
        {
            actual[n] = Playground.Model.Sampling.Sampler.Argmax(logits);
            if (n + 1 < actual.Length)
            {
                logits = runner.Forward([actual[n]]);
            }
        }

        output.WriteLine($"{model}: {string.Join(' ', expected)}");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_prompt_exactly_n_positions_long_runs_and_one_more_token_throws_without_changing_state()
    {
        var model = new ModelCase(L: 1, H: 2, C: 16, V: 23, T: 12, NPositions: 12);
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var runner = new CpuGptRunner(weights);

        float[] logits = runner.Forward(prompt, allPositions: true);
        Assert.Equal(12, runner.Position);

        var ex = Assert.Throws<ContextFullException>(() => runner.Forward([0]));
        Assert.Contains("n_positions=12", ex.Message, StringComparison.Ordinal);
        Assert.Equal(12, runner.Position);

        // The failed call must not have disturbed the cache: rerunning the last token gives the same row.
        runner.Reset();
        runner.Forward(prompt.AsSpan(0, 11));
        float[] last = runner.Forward(prompt.AsSpan(11, 1));
        Assert.Equal(logits.AsSpan(11 * model.V), last.AsSpan());
    }

    [Fact]
    public void A_prompt_longer_than_n_positions_throws_before_running()
    {
        var model = new ModelCase(L: 1, H: 2, C: 16, V: 23, T: 13, NPositions: 12);
        using var runner = new CpuGptRunner(model.CreateWeights());

        Assert.Throws<ContextFullException>(() => runner.Forward(model.Prompt()));
        Assert.Equal(0, runner.Position);
        runner.Forward(model.Prompt().AsSpan(0, 12));
        Assert.Equal(12, runner.Position);
    }

    [Fact]
    public void Reset_empties_the_cache()
    {
        var model = ModelCase.Shapes[0];
        int[] prompt = model.Prompt();
        using var runner = new CpuGptRunner(model.CreateWeights());
        float[] first = runner.Forward(prompt);
        runner.Forward([1, 2, 3]);

        runner.Reset();

        Assert.Equal(0, runner.Position);
        Assert.Equal(first, runner.Forward(prompt));
    }

    [Fact]
    public void Tokens_outside_the_vocabulary_and_empty_calls_are_rejected_without_changing_state()
    {
        var model = ModelCase.Shapes[0];
        using var runner = new CpuGptRunner(model.CreateWeights());

        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Forward([1, model.V]));
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Forward([-1]));
        Assert.Throws<ArgumentException>(() => runner.Forward([]));
        Assert.Equal(0, runner.Position);
    }

    [Fact]
    public void Weights_of_the_wrong_size_are_rejected_with_their_name()
    {
        var model = ModelCase.Shapes[0];
        GptWeights good = model.CreateWeights();
        var bad = new GptWeights
        {
            Config = good.Config,
            TokenEmbedding = good.TokenEmbedding,
            PositionEmbedding = good.PositionEmbedding[..^1],
            Layers = good.Layers,
            LnFWeight = good.LnFWeight,
            LnFBias = good.LnFBias,
        };

        var ex = Assert.Throws<ArgumentException>(() => new CpuGptRunner(bad));
        Assert.Contains("wpe", ex.Message, StringComparison.Ordinal);
    }
}
