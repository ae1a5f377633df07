// Drives a runner and a sampler to extend a prompt token by token; knows nothing of text or tokenizers.
using System.Diagnostics;
using Playground.Model.Sampling;

namespace Playground.Model.Generation;

/// <summary>
/// Generates tokens with any <see cref="IGptRunner"/>: the prompt goes through one forward pass (prefill),
/// then each picked token is run alone (decode). Generation stops at the end-of-text token, after the
/// requested number of tokens, or when the context is full, and <see cref="Stats"/> says which.
/// </summary>
public sealed class Generator
{
    private readonly IGptRunner runner;
    private readonly Sampler sampler;

    public Generator(IGptRunner runner, Sampler sampler)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(sampler);
        this.runner = runner;
        this.sampler = sampler;
    }

    /// <summary>Figures of the latest <see cref="Generate"/> call, updated while it is enumerated.</summary>
    public GenerationStats Stats { get; private set; } = new();

    /// <summary>
    /// Empties the runner's cache and lazily yields up to <paramref name="maxNewTokens"/> new tokens after the
    /// prompt. An <paramref name="eosTokenId"/> (pass the model's, or null for none) ends generation without
    /// being yielded. The last token yielded may be one the context has no room to run: it is still the
    /// model's prediction, but nothing follows it. Throws <see cref="ContextFullException"/> at once if the
    /// prompt alone is longer than n_positions.
    /// </summary>
    public IEnumerable<GeneratedToken> Generate(IReadOnlyList<int> promptTokens, int maxNewTokens, int? eosTokenId)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        if (promptTokens.Count == 0)
        {
            throw new ArgumentException("the prompt needs at least one token", nameof(promptTokens));
        }
        if (promptTokens.Count > runner.Config.NPositions)
        {
            throw new ContextFullException(0, promptTokens.Count, runner.Config.NPositions);
        }
        Stats = new GenerationStats { PromptTokens = promptTokens.Count };
        return Run([.. promptTokens], maxNewTokens, eosTokenId, Stats);
    }

    private IEnumerable<GeneratedToken> Run(int[] prompt, int maxNewTokens, int? eosTokenId, GenerationStats stats)
    {
        runner.Reset();
        if (maxNewTokens == 0)
        {
            stats.StopReason = StopReason.MaxTokens;
            yield break;
        }

        var clock = Stopwatch.StartNew();
        int next = sampler.Sample(runner.Forward(prompt));
        stats.PrefillTime = clock.Elapsed;

        while (true)
        {
            if (next == eosTokenId)
            {
                stats.StopReason = StopReason.Eos;
                yield break;
            }
            stats.GeneratedTokens++;
            yield return new GeneratedToken(next, runner.Position);

            if (stats.GeneratedTokens == maxNewTokens)
            {
                stats.StopReason = StopReason.MaxTokens;
                yield break;
            }
            if (runner.Position == runner.Config.NPositions)
            {
                stats.StopReason = StopReason.ContextFull;
                yield break;
            }
            clock.Restart();
            next = sampler.Sample(runner.Forward([next]));
            stats.DecodeTime += clock.Elapsed;
            stats.DecodeSteps++;
        }
    }
}
