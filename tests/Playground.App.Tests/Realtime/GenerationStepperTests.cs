// The stepper must pick exactly the Generator's tokens, however the prompt is chunked, and stop for the same reasons.
using Playground.App.Realtime;
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;

namespace Playground.App.Tests.Realtime;

public sealed class GenerationStepperTests
{
    public sealed record Case(string Name, int PromptLength, int Chunk, SamplingSettings Settings, int MaxNewTokens)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new("greedy, prompt 5 in one chunk", 5, 64, SamplingSettings.Greedy, 20),
        new("greedy, prompt 9 in chunks of 2", 9, 2, SamplingSettings.Greedy, 20),
        new("sampled, prompt 13 in chunks of 1", 13, 1, new(0.9f, 20, 0.95f, 7), 30),
        new("sampled, prompt 13 in chunks of 5", 13, 5, new(1.3f, 0, 1f, 3), 30),
        new("sampled until the context is full", 40, 16, new(0.8f, 40, 1f, 11), 1000),
        new("prompt fills the context", 64, 8, new(0.8f, 40, 1f, 1), 10),
        new("zero new tokens", 4, 64, SamplingSettings.Greedy, 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Picks_the_generators_tokens_and_stops_for_the_same_reason(Case c)
    {
        var weights = Reference.SmallWeights(seed: 4);
        var prompt = Enumerable.Range(0, c.PromptLength).Select(i => (i * 37) % 256).ToArray();
        var (expected, expectedStop) = Reference.Generate(weights, prompt, c.Settings, c.MaxNewTokens);

        using var runner = new CpuGptRunner(weights);
        var stepper = new GenerationStepper(runner);
        stepper.Start(prompt, new Sampler(c.Settings), c.MaxNewTokens, eos: null);
        var (tokens, prefilled) = RunToEnd(stepper, c.Chunk);

        Assert.Equal(expected, tokens.Select(t => t.Id));
        Assert.Equal(expectedStop, stepper.StopReason);
        Assert.Equal(c.MaxNewTokens == 0 ? 0 : c.PromptLength, prefilled);
        // A token's position is the cache length when it was picked: the prompt plus the tokens before it.
        Assert.Equal(tokens.Select((_, i) => c.PromptLength + i), tokens.Select(t => t.Position));
    }

    [Fact]
    public void The_end_of_text_token_ends_generation_without_being_yielded()
    {
        var weights = Reference.SmallWeights(seed: 4);
        int[] prompt = [1, 2, 3];
        var settings = new SamplingSettings(1.0f, 0, 1f, 5);
        var (free, _) = Reference.Generate(weights, prompt, settings, 30);
        var eos = free[6];
        var (expected, expectedStop) = Reference.Generate(weights, prompt, settings, 30, eos);

        using var runner = new CpuGptRunner(weights);
        var stepper = new GenerationStepper(runner);
        stepper.Start(prompt, new Sampler(settings), 30, eos);
        var (tokens, _) = RunToEnd(stepper, chunk: 2);

        Assert.Equal(StopReason.Eos, expectedStop);
        Assert.Equal(expected, tokens.Select(t => t.Id));
        Assert.Equal(StopReason.Eos, stepper.StopReason);
    }

    [Fact]
    public void A_new_sampler_picks_the_following_tokens()
    {
        var weights = Reference.SmallWeights(seed: 9);
        int[] prompt = [10, 20, 30];
        using var runner = new CpuGptRunner(weights);
        var stepper = new GenerationStepper(runner);
        stepper.Start(prompt, new Sampler(new SamplingSettings(1.5f, 0, 1f, 2)), 20, eos: null);
        var sequence = new List<int>(prompt);
        for (var i = 0; i < 5; i++)
        {
            sequence.Add(stepper.Step(64).Token!.Value.Id);
        }

        stepper.ChangeSampler(new Sampler(SamplingSettings.Greedy));
        using var check = new CpuGptRunner(weights);
        for (var i = 0; i < 10; i++)
        {
            var next = stepper.Step(64).Token!.Value.Id;
            // Greedy from here on: each token is the argmax after everything before it, computed from scratch.
            check.Reset();
            Assert.Equal(Sampler.Argmax(check.Forward(sequence.ToArray())), next);
            sequence.Add(next);
        }
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused_as_by_the_generator()
    {
        using var runner = new CpuGptRunner(Reference.SmallWeights());
        var stepper = new GenerationStepper(runner);
        var prompt = new int[Reference.SmallConfig.NPositions + 1];

        Assert.Throws<ContextFullException>(() => stepper.Start(prompt, new Sampler(SamplingSettings.Greedy), 5, null));
        Assert.False(stepper.IsRunning);
        Assert.Throws<InvalidOperationException>(() => stepper.Step(8));
    }

    [Fact]
    public void Starting_again_forgets_the_previous_generation()
    {
        var weights = Reference.SmallWeights(seed: 2);
        var settings = new SamplingSettings(0.7f, 10, 1f, 4);
        using var runner = new CpuGptRunner(weights);
        var stepper = new GenerationStepper(runner);
        stepper.Start([5, 6, 7], new Sampler(settings), 12, null);
        var first = RunToEnd(stepper, 64).Tokens.Select(t => t.Id).ToList();

        stepper.Start([5, 6, 7], new Sampler(settings), 12, null);
        var second = RunToEnd(stepper, 64).Tokens.Select(t => t.Id).ToList();

        Assert.Equal(first, second);
        Assert.Equal(12, second.Count);
    }

    private static (List<GeneratedToken> Tokens, int Prefilled) RunToEnd(GenerationStepper stepper, int chunk)
    {
        var tokens = new List<GeneratedToken>();
        var prefilled = 0;
        while (stepper.IsRunning)
        {
            var step = stepper.Step(chunk);
            Assert.InRange(step.PrefillTokens, 0, chunk);
            prefilled += step.PrefillTokens;
            if (step.Token is { } token)
            {
                tokens.Add(token);
            }
        }

        return (tokens, prefilled);
    }
}
