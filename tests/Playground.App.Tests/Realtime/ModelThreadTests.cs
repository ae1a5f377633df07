// The model thread on the CPU reference: the news it posts, and that runs, pauses, restarts and failures behave.
using Playground.App.Realtime;
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;

namespace Playground.App.Tests.Realtime;

public sealed class ModelThreadTests
{
    private static readonly SamplingSettings Sampled = new(0.9f, 30, 0.95f, 5);

    [Fact]
    public void A_run_posts_ready_prefill_tokens_and_its_end_with_the_generators_tokens()
    {
        var weights = Reference.SmallWeights(seed: 3);
        int[] prompt = [72, 105, 33];
        var (expected, expectedStop) = Reference.Generate(weights, prompt, Sampled, 25);
        using var thread = Reference.CpuThread(weights);

        thread.Start(new RunRequest(1, prompt, Sampled, 25, null));
        var events = Reference.TakeUntil(thread, e => e is RunEnded);

        var ready = Assert.IsType<ModelReady>(events[0]);
        Assert.Equal(("cpu", null), (ready.Backend, ready.Renderer));
        var prefill = Assert.Single(events.OfType<PrefillProgressed>());
        Assert.Equal((1, 3, 3), (prefill.Run, prefill.Done, prefill.Total));
        var produced = events.OfType<TokenProduced>().ToList();
        Assert.Equal(expected, produced.Select(p => p.Token.Id));
        // The first token comes out of the prefill; every later one out of a decode step.
        Assert.Equal([false, .. Enumerable.Repeat(true, produced.Count - 1)], produced.Select(p => p.IsDecode));
        var ended = Assert.IsType<RunEnded>(events[^1]);
        Assert.Equal((1, expectedStop, prompt.Length + expected.Count - 1), (ended.Run, (StopReason?)ended.Reason, ended.Position));
    }

    [Fact]
    public void A_long_prompt_is_prefilled_in_chunks_with_the_same_tokens_after()
    {
        var weights = RandomWeights.Create(new GptConfig(2, 2, 32, 256, 256), seed: 6);
        var prompt = Enumerable.Range(0, 200).Select(i => (i * 11) % 256).ToArray();
        var (expected, _) = Reference.Generate(weights, prompt, Sampled, 20);
        using var thread = Reference.CpuThread(weights);

        thread.Start(new RunRequest(4, prompt, Sampled, 20, null));
        var events = Reference.TakeUntil(thread, e => e is RunEnded);

        var progress = events.OfType<PrefillProgressed>().Select(p => p.Done).ToList();
        Assert.True(progress.Count >= 2, $"one chunk only: {string.Join(",", progress)}");
        Assert.Equal(PrefillChunks.FirstChunk, progress[0]);
        Assert.Equal(progress.Order(), progress);
        Assert.Equal(prompt.Length, progress[^1]);
        Assert.Equal(expected, events.OfType<TokenProduced>().Select(p => p.Token.Id));
    }

    [Fact]
    public void Nothing_runs_while_paused_and_resuming_finishes_the_run()
    {
        var weights = Reference.SmallWeights(seed: 3);
        using var thread = Reference.CpuThread(weights);
        thread.SetPaused(true);
        thread.Start(new RunRequest(1, [1, 2], SamplingSettings.Greedy, 10, null));

        // Commands are applied in order before any step, so a paused thread takes no step at all.
        Thread.Sleep(300);
        var whilePaused = new List<ModelEvent>();
        while (thread.TryTake(out var e))
        {
            whilePaused.Add(e);
        }

        Assert.DoesNotContain(whilePaused, e => e is PrefillProgressed or TokenProduced);
        thread.SetPaused(false);
        var after = Reference.TakeUntil(thread, e => e is RunEnded);
        Assert.Equal(10, after.OfType<TokenProduced>().Count());
    }

    [Fact]
    public void A_new_run_replaces_the_running_one()
    {
        var weights = Reference.SmallWeights(seed: 8);
        var (expected, _) = Reference.Generate(weights, [9, 9], Sampled, 15);
        using var thread = Reference.CpuThread(weights);

        thread.Start(new RunRequest(1, [1, 2, 3], Sampled, 40, null));
        thread.Start(new RunRequest(2, [9, 9], Sampled, 15, null));
        var events = Reference.TakeUntil(thread, e => e is RunEnded { Run: 2 });

        Assert.Equal(expected, events.OfType<TokenProduced>().Where(p => p.Run == 2).Select(p => p.Token.Id));
        Assert.DoesNotContain(events, e => e is RunEnded { Run: 1 });
    }

    [Fact]
    public void A_failing_runner_factory_is_reported_once_and_the_thread_ends()
    {
        var weights = Reference.SmallWeights();
        var failure = new InvalidDataException("no runner today");
        using var thread = new ModelThread(() => throw failure, weights);

        var events = Reference.TakeUntil(thread, e => e is ModelFailed);
        Assert.Same(failure, Assert.IsType<ModelFailed>(Assert.Single(events)).Error);
    }

    [Fact]
    public void A_failing_step_ends_that_run_only()
    {
        var weights = Reference.SmallWeights(seed: 5);
        var runner = new FailingRunner(new CpuGptRunner(weights), failOnCall: 4);
        using var thread = new ModelThread(() => new RunnerSetup(runner, null), weights);

        thread.Start(new RunRequest(1, [1, 2], SamplingSettings.Greedy, 20, null));
        var first = Reference.TakeUntil(thread, e => e is RunFailed or RunEnded);
        var failed = Assert.IsType<RunFailed>(first[^1]);
        Assert.Equal("logits are NaN", failed.Error.Message);
        // Calls 1..3 (the prefill and two decode steps) each picked a token.
        Assert.Equal(3, first.OfType<TokenProduced>().Count());

        thread.Start(new RunRequest(2, [1, 2], SamplingSettings.Greedy, 5, null));
        var second = Reference.TakeUntil(thread, e => e is RunEnded or RunFailed);
        Assert.IsType<RunEnded>(second[^1]);
        Assert.Equal(5, second.OfType<TokenProduced>().Count());
    }

    [Fact]
    public void A_prompt_too_long_for_the_context_fails_the_run_with_the_generators_message()
    {
        var weights = Reference.SmallWeights();
        using var thread = Reference.CpuThread(weights);
        thread.Start(new RunRequest(3, new int[Reference.SmallConfig.NPositions + 1], SamplingSettings.Greedy, 5, null));

        var failed = Assert.IsType<RunFailed>(Reference.TakeUntil(thread, e => e is RunFailed)[^1]);
        Assert.Equal(3, failed.Run);
        Assert.IsType<ContextFullException>(failed.Error);
    }

    // Throws, as a broken shader's NaNs make the sampler throw, on one forward call.
    private sealed class FailingRunner(IGptRunner inner, int failOnCall) : IGptRunner
    {
        private int calls;

        public GptConfig Config => inner.Config;

        public string Backend => inner.Backend;

        public int Position => inner.Position;

        public void Reset() => inner.Reset();

        public float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false) =>
            ++calls == failOnCall ? throw new ArgumentException("logits are NaN") : inner.Forward(tokens, allPositions);

        public void Dispose() => inner.Dispose();
    }
}
