// How many prompt tokens the model thread runs per step: a whole short prompt at once, a long one in timed chunks.
namespace Playground.App.Realtime;

/// <summary>
/// Sizes prefill chunks from the speed measured so far. A prompt of up to <see cref="FirstChunk"/> tokens runs in
/// one pass, exactly as <c>generate</c> runs it; longer prompts continue in chunks that take about
/// <see cref="TargetMilliseconds"/> each, so that a restart, a new prompt or quitting waits for at most one chunk,
/// and the window can show the prefill's progress.
/// </summary>
public sealed class PrefillChunks
{
    public const int FirstChunk = 64;
    public const int MinChunk = 8;
    public const int MaxChunk = 512;
    public const double TargetMilliseconds = 250;

    private double millisecondsPerToken = double.NaN;

    /// <summary>The size of the next chunk.</summary>
    public int Next => double.IsNaN(millisecondsPerToken)
        ? FirstChunk
        : (int)Math.Clamp(Math.Round(TargetMilliseconds / Math.Max(millisecondsPerToken, 1e-3)), MinChunk, MaxChunk);

    /// <summary>Learns from a chunk of <paramref name="tokens"/> that took <paramref name="milliseconds"/>.</summary>
    public void Record(int tokens, double milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        var perToken = Math.Max(0, milliseconds) / tokens;
        // Smoothed, because the first chunks include driver warm-up.
        millisecondsPerToken = double.IsNaN(millisecondsPerToken) ? perToken : (0.5 * millisecondsPerToken) + (0.5 * perToken);
    }
}
