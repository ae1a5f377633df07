// Generation cut into steps (a chunk of the prompt, or one new token) so that a caller can do other work between them.
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Sampling;

namespace Playground.App.Realtime;

/// <summary>What one <see cref="GenerationStepper.Step"/> did.</summary>
/// <param name="PrefillTokens">Prompt tokens run in this step; 0 for a decode step.</param>
/// <param name="Token">The token picked in this step, if one was (not the end-of-text token, which is never yielded).</param>
/// <param name="Stop">Why generation ended with this step, or null when it goes on.</param>
public readonly record struct StepResult(int PrefillTokens, GeneratedToken? Token, StopReason? Stop);

/// <summary>
/// The same generation as <see cref="Generator"/>, one step per call: the runner, sampler calls and stopping rules
/// are the same, so with the same prompt, settings and seed it picks the same tokens as <c>playground generate</c>.
/// The one difference is that a prompt may be run in several chunks; the KV cache makes that the same computation,
/// and with the CPU reference the same numbers, while GPU kernels may round differently for different chunk
/// lengths. Not thread-safe: one thread drives it.
/// </summary>
public sealed class GenerationStepper
{
    private readonly IGptRunner runner;
    private int[] prompt = [];
    private Sampler? sampler;
    private int maxNewTokens;
    private int? eosTokenId;
    private int lastToken;

    public GenerationStepper(IGptRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        this.runner = runner;
    }

    public IGptRunner Runner => runner;

    /// <summary>Tokens of the prompt of the current generation.</summary>
    public int PromptLength => prompt.Length;

    /// <summary>Prompt tokens already run.</summary>
    public int Prefilled { get; private set; }

    /// <summary>Tokens yielded so far.</summary>
    public int Generated { get; private set; }

    /// <summary>Why the current generation ended, or null while it goes on (or before any).</summary>
    public StopReason? StopReason { get; private set; }

    /// <summary>Whether <see cref="Step"/> has work to do.</summary>
    public bool IsRunning => sampler is not null && StopReason is null;

    /// <summary>
    /// Empties the runner's cache and starts a generation of up to <paramref name="maxNewTokens"/> tokens. Throws
    /// <see cref="ContextFullException"/> if the prompt alone is longer than n_positions, as the Generator does.
    /// </summary>
    public void Start(IReadOnlyList<int> promptTokens, Sampler tokenSampler, int maxNewTokens, int? eos)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        ArgumentNullException.ThrowIfNull(tokenSampler);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (promptTokens.Count == 0)
        {
            throw new ArgumentException("the prompt needs at least one token", nameof(promptTokens));
        }

        if (promptTokens.Count > runner.Config.NPositions)
        {
            throw new ContextFullException(0, promptTokens.Count, runner.Config.NPositions);
        }

        runner.Reset();
        prompt = [.. promptTokens];
        sampler = tokenSampler;
        this.maxNewTokens = maxNewTokens;
        eosTokenId = eos;
        Prefilled = 0;
        Generated = 0;
        StopReason = maxNewTokens == 0 ? Model.Generation.StopReason.MaxTokens : null;
    }

    /// <summary>Picks the following tokens with <paramref name="tokenSampler"/> (new settings take effect at once).</summary>
    public void ChangeSampler(Sampler tokenSampler)
    {
        ArgumentNullException.ThrowIfNull(tokenSampler);
        sampler = tokenSampler;
    }

    /// <summary>
    /// Runs the next piece of work: up to <paramref name="maxPrefillTokens"/> prompt tokens while the prompt is not
    /// all in the cache (the last chunk also picks the first token), else one decode step.
    /// </summary>
    public StepResult Step(int maxPrefillTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPrefillTokens);
        if (!IsRunning)
        {
            throw new InvalidOperationException("no generation is running");
        }

        if (Prefilled < prompt.Length)
        {
            var count = Math.Min(maxPrefillTokens, prompt.Length - Prefilled);
            var logits = runner.Forward(prompt.AsSpan(Prefilled, count));
            Prefilled += count;
            return Prefilled < prompt.Length ? new StepResult(count, null, null) : Emit(count, sampler!.Sample(logits));
        }

        return Emit(0, sampler!.Sample(runner.Forward([lastToken])));
    }

    // The Generator's rules, in its order: end-of-text first, then the token counts, then the context.
    private StepResult Emit(int prefillTokens, int next)
    {
        if (next == eosTokenId)
        {
            StopReason = Model.Generation.StopReason.Eos;
            return new StepResult(prefillTokens, null, StopReason);
        }

        Generated++;
        lastToken = next;
        var token = new GeneratedToken(next, runner.Position);
        if (Generated == maxNewTokens)
        {
            StopReason = Model.Generation.StopReason.MaxTokens;
        }
        else if (runner.Position == runner.Config.NPositions)
        {
            StopReason = Model.Generation.StopReason.ContextFull;
        }

        return new StepResult(prefillTokens, token, StopReason);
    }
}
