// Picks the next token from a row of logits: greedy, or temperature / top-k / top-p sampling with a seeded RNG.
namespace Playground.Model.Sampling;

/// <summary>
/// Picks token ids from logits. Randomness comes from <see cref="Random"/> built from the seed: .NET keeps the
/// seeded generator's sequence fixed across versions, so a seed reproduces a run. Each non-greedy call draws one
/// number, so a sampler continues its sequence across calls; make a new one to start over.
/// </summary>
public sealed class Sampler
{
    private readonly Random random;

    // Reused between calls (one row per token): unnormalised probabilities by token id, and candidate ids.
    private double[] weights = [];
    private int[] candidates = [];

    public Sampler(SamplingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Settings = settings;
        random = new Random(settings.Seed);
    }

    public SamplingSettings Settings { get; }

    /// <summary>
    /// Greedy when the temperature is 0; otherwise softmax(logits / temperature) in double, keep the TopK most
    /// likely tokens, then the smallest set of most likely tokens whose probability reaches TopP (at least
    /// one), renormalise and draw. Ties in probability rank the lower id first. -infinity logits are never
    /// picked; NaN or +infinity logits are an error.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        CheckLogits(logits);
        if (Settings.IsGreedy)
        {
            return Argmax(logits);
        }

        int vocab = logits.Length;
        if (weights.Length < vocab)
        {
            weights = new double[vocab];
            candidates = new int[vocab];
        }
        double max = logits[Argmax(logits)];
        double temperature = Settings.Temperature;
        double total = 0;
        for (int id = 0; id < vocab; id++)
        {
            // exp(-inf) = 0, so masked tokens get no weight.
            weights[id] = Math.Exp((logits[id] - max) / temperature);
            total += weights[id];
        }

        if (Settings.TopK == 0 && Settings.TopP >= 1f)
        {
            return Draw(candidates.AsSpan(0, CollectAbove(vocab, 0, out _)));
        }

        int count = CollectLikeliest(vocab, total);
        double[] w = weights;
        candidates.AsSpan(0, count).Sort((a, b) => w[a] != w[b] ? w[b].CompareTo(w[a]) : a.CompareTo(b));
        if (Settings.TopK > 0)
        {
            count = Math.Min(count, Settings.TopK);
            total = 0;
            foreach (int id in candidates.AsSpan(0, count))
            {
                total += weights[id];
            }
        }
        if (Settings.TopP < 1f)
        {
            count = NucleusSize(candidates.AsSpan(0, count), Settings.TopP, total);
        }
        return Draw(candidates.AsSpan(0, count));
    }

    /// <summary>Index of the largest logit; the lowest id wins a tie.</summary>
    public static int Argmax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int id = 1; id < logits.Length; id++)
        {
            if (logits[id] > logits[best])
            {
                best = id;
            }
        }
        return best;
    }

    // Sorting the whole vocabulary costs milliseconds per token, and top-k / top-p only ever keep a prefix of
    // the sorted order. The tokens at or above a weight threshold are such a prefix, so lower the threshold
    // until that prefix surely holds what the filters keep (k tokens, or the share TopP of the total), and
    // sort only those. Returns their number, with their ids in candidates.
    private int CollectLikeliest(int vocab, double total)
    {
        // Thresholds e^-1, e^-2, e^-4, ... of the top weight (which is 1); below e^-745 a double is 0.
        for (double logThreshold = -1; ; logThreshold *= 2)
        {
            double threshold = Math.Exp(logThreshold);
            int count = CollectAbove(vocab, threshold, out double mass);
            bool enough = Settings.TopK > 0 ? count >= Settings.TopK : mass >= Settings.TopP * total;
            if (enough || threshold == 0)
            {
                return count;
            }
        }
    }

    // Puts the ids of tokens with a positive weight of at least threshold into candidates, in id order.
    private int CollectAbove(int vocab, double threshold, out double mass)
    {
        int count = 0;
        mass = 0;
        for (int id = 0; id < vocab; id++)
        {
            double w = weights[id];
            if (w > 0 && w >= threshold)
            {
                candidates[count++] = id;
                mass += w;
            }
        }
        return count;
    }

    // How many of the candidates (sorted most likely first) it takes to reach the share topP of total.
    private int NucleusSize(ReadOnlySpan<int> sorted, float topP, double total)
    {
        double cumulative = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            cumulative += weights[sorted[i]];
            if (cumulative >= topP * total)
            {
                return i + 1;
            }
        }
        return sorted.Length;
    }

    // Draws one candidate with probability proportional to its weight.
    private int Draw(ReadOnlySpan<int> chosen)
    {
        double total = 0;
        foreach (int id in chosen)
        {
            total += weights[id];
        }
        double target = random.NextDouble() * total;
        double cumulative = 0;
        foreach (int id in chosen)
        {
            cumulative += weights[id];
            if (target < cumulative)
            {
                return id;
            }
        }
        // Rounding can leave target at the very top of the range.
        return chosen[^1];
    }

    private static void CheckLogits(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("there are no logits to sample from", nameof(logits));
        }
        bool anyFinite = false;
        for (int id = 0; id < logits.Length; id++)
        {
            float x = logits[id];
            if (float.IsNaN(x) || float.IsPositiveInfinity(x))
            {
                throw new ArgumentException($"logit of token {id} is {x}; the model output is broken", nameof(logits));
            }
            anyFinite |= float.IsFinite(x);
        }
        if (!anyFinite)
        {
            throw new ArgumentException("every logit is -infinity, so no token can be picked", nameof(logits));
        }
    }
}
