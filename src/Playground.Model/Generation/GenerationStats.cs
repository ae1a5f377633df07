// Why a generation stopped and how fast it ran: the figures shown to users after a run.
namespace Playground.Model.Generation;

/// <summary>Why <see cref="Generator.Generate"/> stopped producing tokens.</summary>
public enum StopReason
{
    /// <summary>The requested number of new tokens was produced.</summary>
    MaxTokens,

    /// <summary>The model picked its end-of-text token (which is not yielded).</summary>
    Eos,

    /// <summary>Every position up to n_positions holds a token, so no further token can be run.</summary>
    ContextFull,
}

/// <summary>One generated token and the absolute position it occupies in the sequence.</summary>
public readonly record struct GeneratedToken(int Id, int Position);

/// <summary>
/// Figures of one generation, filled in as it runs. Times cover the model and the sampler only, not the
/// caller's work between tokens. Prefill is the prompt's forward pass plus picking the first token; each
/// decode step is one single-token forward pass plus picking the next token.
/// </summary>
public sealed class GenerationStats
{
    public int PromptTokens { get; internal set; }

    /// <summary>Tokens yielded so far.</summary>
    public int GeneratedTokens { get; internal set; }

    public TimeSpan PrefillTime { get; internal set; }

    /// <summary>Single-token forward passes run so far.</summary>
    public int DecodeSteps { get; internal set; }

    public TimeSpan DecodeTime { get; internal set; }

    /// <summary>Null until the generation has finished.</summary>
    public StopReason? StopReason { get; internal set; }

    public double PrefillTokensPerSecond => PerSecond(PromptTokens, PrefillTime);

    public double DecodeTokensPerSecond => PerSecond(DecodeSteps, DecodeTime);

    private static double PerSecond(int count, TimeSpan time) => time > TimeSpan.Zero ? count / time.TotalSeconds : 0;
}
