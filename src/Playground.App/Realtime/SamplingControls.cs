// The steps the sampling keys move through: temperature in tenths, top-k and top-p along ladders of useful values.
using System.Globalization;
using Playground.Model.Sampling;

namespace Playground.App.Realtime;

/// <summary>
/// Changes sampling settings one key press at a time. Each step moves to the next value on a ladder, so settings
/// given on the command line that lie between rungs move to the neighbouring rung. The seed is kept.
/// </summary>
public static class SamplingControls
{
    public const float MaxTemperature = 2f;

    /// <summary>Top-k values from most to least restrictive; 0 (off) comes last.</summary>
    public static IReadOnlyList<int> TopKLadder { get; } = [1, 2, 3, 5, 10, 20, 40, 100, 200, 500, 0];

    /// <summary>Top-p values from most to least restrictive; 1 (off) comes last.</summary>
    public static IReadOnlyList<float> TopPLadder { get; } = [0.5f, 0.7f, 0.8f, 0.9f, 0.95f, 0.98f, 1f];

    /// <summary>Temperature up (+1) or down (-1) by a tenth, within [0, 2]; 0 is greedy.</summary>
    public static SamplingSettings StepTemperature(SamplingSettings settings, int direction)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tenths = Math.Clamp(Math.Round(settings.Temperature * 10.0) + Math.Sign(direction), 0, MaxTemperature * 10);
        return settings with { Temperature = (float)(tenths / 10) };
    }

    /// <summary>Top-k one rung less restrictive (+1) or more restrictive (-1).</summary>
    public static SamplingSettings StepTopK(SamplingSettings settings, int direction)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with { TopK = Step(TopKLadder, settings.TopK, direction, k => k == 0 ? int.MaxValue : k) };
    }

    /// <summary>Top-p one rung less restrictive (+1) or more restrictive (-1).</summary>
    public static SamplingSettings StepTopP(SamplingSettings settings, int direction)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings with { TopP = Step(TopPLadder, settings.TopP, direction, p => p) };
    }

    /// <summary>One line for the overlay, e.g. "T 0.8 · top-k 40 · top-p off · seed 0", or "greedy · seed 0".</summary>
    public static string Describe(SamplingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inv = CultureInfo.InvariantCulture;
        if (settings.IsGreedy)
        {
            return string.Create(inv, $"greedy (T 0) · seed {settings.Seed}");
        }

        var topK = settings.TopK == 0 ? "off" : settings.TopK.ToString(inv);
        var topP = settings.TopP >= 1f ? "off" : settings.TopP.ToString("0.###", inv);
        return string.Create(inv, $"T {settings.Temperature:0.0#} · top-k {topK} · top-p {topP} · seed {settings.Seed}");
    }

    // The next rung above (direction > 0) or below the current value, by restrictiveness; the end rungs stay put.
    private static T Step<T>(IReadOnlyList<T> ladder, T current, int direction, Func<T, double> looseness)
    {
        var value = looseness(current);
        if (direction > 0)
        {
            return ladder.FirstOrDefault(rung => looseness(rung) > value + 1e-6, ladder[^1])!;
        }

        return ladder.LastOrDefault(rung => looseness(rung) < value - 1e-6, ladder[0])!;
    }
}
