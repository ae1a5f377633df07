// How the next token is picked from the logits: temperature, top-k, top-p and the random seed.
namespace Playground.Model.Sampling;

/// <summary>
/// Sampling settings. Temperature 0 means greedy (argmax). TopK 0 and TopP 1 switch those filters off.
/// The same settings, seed included, always pick the same tokens from the same logits.
/// </summary>
public sealed record SamplingSettings(float Temperature = 0f, int TopK = 0, float TopP = 1f, int Seed = 0)
{
    /// <summary>Always the most likely token.</summary>
    public static SamplingSettings Greedy { get; } = new();

    public bool IsGreedy => Temperature == 0f;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!(Temperature >= 0f && float.IsFinite(Temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be 0 (greedy) or a positive number");
        }
        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top-k must be 0 (off) or a positive number of tokens");
        }
        if (!(TopP > 0f && TopP <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1]; 1 turns it off");
        }
    }
}
