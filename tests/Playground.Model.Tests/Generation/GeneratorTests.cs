// Generator stop conditions, positions and statistics, on a fake runner and on the real CPU runner.
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Playground.Model.Tests.Reference;

namespace Playground.Model.Tests.Generation;

public sealed class GeneratorTests
{
    private static Generator Greedy(IGptRunner runner) => new(runner, new Sampler(SamplingSettings.Greedy));

    [Fact]
    public void Stops_at_the_end_of_text_token_without_yielding_it()
    {
        var runner = new CountingRunner(nPositions: 64);
        Generator generator = Greedy(runner);

        GeneratedToken[] tokens = generator.Generate([1, 2, 3], maxNewTokens: 20, eosTokenId: 7).ToArray();

        Assert.Equal([4, 5, 6], tokens.Select(t => t.Id));
        Assert.Equal(StopReason.Eos, generator.Stats.StopReason);
    }

    [Fact]
    public void Stops_after_max_new_tokens_without_running_the_last_one()
    {
        var runner = new CountingRunner(nPositions: 64);
        Generator generator = Greedy(runner);

        GeneratedToken[] tokens = generator.Generate([1, 2, 3], maxNewTokens: 5, eosTokenId: null).ToArray();

        Assert.Equal([4, 5, 6, 7, 8], tokens.Select(t => t.Id));
        Assert.Equal([3, 4, 5, 6, 7], tokens.Select(t => t.Position));
        Assert.Equal(StopReason.MaxTokens, generator.Stats.StopReason);
        // One prefill of the prompt, then one call per token except the last, which nothing needs to follow.
        Assert.Equal([3, 1, 1, 1, 1], runner.CallSizes);
        Assert.Equal(3, generator.Stats.PromptTokens);
        Assert.Equal(5, generator.Stats.GeneratedTokens);
        Assert.Equal(4, generator.Stats.DecodeSteps);
    }

    [Fact]
    public void Stops_when_the_context_is_full_and_never_runs_past_it()
    {
        var runner = new CountingRunner(nPositions: 6);
        Generator generator = Greedy(runner);

        GeneratedToken[] tokens = generator.Generate([10, 11], maxNewTokens: 100, eosTokenId: null).ToArray();

        // Positions 2..5 are run; the token predicted after position 5 is yielded but has no room to run.
        Assert.Equal([12, 13, 14, 15, 16], tokens.Select(t => t.Id));
        Assert.Equal([2, 3, 4, 5, 6], tokens.Select(t => t.Position));
        Assert.Equal(StopReason.ContextFull, generator.Stats.StopReason);
        Assert.Equal(6, runner.Position);
    }

    [Fact]
    public void A_prompt_that_fills_the_context_still_yields_its_prediction()
    {
        var runner = new CountingRunner(nPositions: 3);
        Generator generator = Greedy(runner);

        GeneratedToken[] tokens = generator.Generate([1, 2, 3], maxNewTokens: 10, eosTokenId: null).ToArray();

        Assert.Equal([4], tokens.Select(t => t.Id));
        Assert.Equal(StopReason.ContextFull, generator.Stats.StopReason);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_throws_at_the_call()
    {
        Generator generator = Greedy(new CountingRunner(nPositions: 3));
        Assert.Throws<ContextFullException>(() => generator.Generate([1, 2, 3, 4], 5, null));
        Assert.Throws<ArgumentException>(() => generator.Generate([], 5, null));
    }

    [Fact]
    public void Zero_new_tokens_yields_nothing_and_runs_nothing()
    {
        var runner = new CountingRunner(nPositions: 8);
        Generator generator = Greedy(runner);

        Assert.Empty(generator.Generate([1], maxNewTokens: 0, eosTokenId: null));
        Assert.Equal(StopReason.MaxTokens, generator.Stats.StopReason);
        Assert.Empty(runner.CallSizes);
    }

    [Fact]
    public void Each_generation_starts_from_an_empty_cache()
    {
        var runner = new CountingRunner(nPositions: 16);
        Generator generator = Greedy(runner);

        int[] first = generator.Generate([1, 2], 4, null).Select(t => t.Id).ToArray();
        int[] second = generator.Generate([1, 2], 4, null).Select(t => t.Id).ToArray();

        Assert.Equal(first, second);
        Assert.Equal([2, 1, 1, 1, 2, 1, 1, 1], runner.CallSizes);
    }

    [Fact]
    public void Greedy_generation_with_the_cpu_runner_matches_the_float64_reference()
    {
        var model = new ModelCase(L: 2, H: 3, C: 48, V: 97, T: 5, NPositions: 32, Seed: 11);
        GptWeights weights = model.CreateWeights();
        int[] prompt = model.Prompt();
        using var runner = new CpuGptRunner(weights);
        Generator generator = Greedy(runner);

        int[] tokens = generator.Generate(prompt, maxNewTokens: 100, eosTokenId: null).Select(t => t.Id).ToArray();

        // The context ends first: 32 - 5 positions to run, plus the final prediction.
        Assert.Equal(StopReason.ContextFull, generator.Stats.StopReason);
        Assert.Equal(Float64Gpt2.GreedyContinuation(weights, prompt, 32 - 5 + 1), tokens);
    }
}
