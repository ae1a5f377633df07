// Sampler behaviour: greedy picks, seeded reproducibility, top-k / top-p filtering and the drawn distribution.
using Playground.Model.Sampling;

namespace Playground.Model.Tests.Sampling;

public sealed class SamplerTests
{
    private static float[] RandomLogits(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(4 * random.NextDouble() - 2)).ToArray();
    }

    // The index of the largest value, computed independently of Sampler.Argmax.
    private static int IndexOfMax(float[] logits) => Array.IndexOf(logits, logits.Max());

    // Logits whose softmax at temperature `temperature` is exactly `probabilities` (up to float rounding).
    private static float[] LogitsFor(double[] probabilities, double temperature) =>
        probabilities.Select(p => (float)(temperature * Math.Log(p))).ToArray();

    private static int[] Counts(Sampler sampler, float[] logits, int draws)
    {
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++)
        {
            counts[sampler.Sample(logits)]++;
        }
        return counts;
    }

    // Pearson's chi-square statistic of observed counts against expected probabilities.
    private static double ChiSquare(int[] counts, double[] probabilities)
    {
        int total = counts.Sum();
        return counts.Select((n, i) => (n - total * probabilities[i]) * (n - total * probabilities[i]) / (total * probabilities[i])).Sum();
    }

    [Fact]
    public void Greedy_picks_the_largest_logit()
    {
        var sampler = new Sampler(SamplingSettings.Greedy);
        for (int seed = 0; seed < 20; seed++)
        {
            float[] logits = RandomLogits(97, seed);
            Assert.Equal(IndexOfMax(logits), sampler.Sample(logits));
        }
    }

    [Fact]
    public void Greedy_breaks_ties_towards_the_lowest_id()
    {
        Assert.Equal(1, new Sampler(SamplingSettings.Greedy).Sample([0f, 3f, -1f, 3f]));
        Assert.Equal(1, new Sampler(new SamplingSettings(TopK: 1, Temperature: 1f)).Sample([0f, 3f, -1f, 3f]));
    }

    [Fact]
    public void The_same_seed_and_settings_give_the_same_tokens()
    {
        var settings = new SamplingSettings(Temperature: 0.9f, TopK: 40, TopP: 0.95f, Seed: 42);
        var first = new Sampler(settings);
        var second = new Sampler(settings);
        var other = new Sampler(settings with { Seed = 43 });

        float[][] rows = Enumerable.Range(0, 50).Select(i => RandomLogits(100, i)).ToArray();
        int[] a = rows.Select(r => first.Sample(r)).ToArray();
        int[] b = rows.Select(r => second.Sample(r)).ToArray();
        int[] c = rows.Select(r => other.Sample(r)).ToArray();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(1, 1f, 1f)]          // top-k = 1
    [InlineData(0, 1e-6f, 1f)]       // top-p tiny: only the most likely token reaches it
    [InlineData(0, 1f, 1e-4f)]       // temperature near 0
    public void Filters_that_leave_one_token_equal_greedy(int topK, float topP, float temperature)
    {
        var sampler = new Sampler(new SamplingSettings(temperature, topK, topP, Seed: 5));
        for (int seed = 0; seed < 20; seed++)
        {
            float[] logits = RandomLogits(97, seed);
            Assert.Equal(IndexOfMax(logits), sampler.Sample(logits));
        }
    }

    [Fact]
    public void Draws_follow_the_softmax_at_the_given_temperature()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        var sampler = new Sampler(new SamplingSettings(Temperature: 2f, Seed: 1));

        int[] counts = Counts(sampler, LogitsFor(p, temperature: 2), 20_000);

        // 3 degrees of freedom: chi-square exceeds 20 with probability about 2e-4 when the sampler is right;
        // drawing from softmax(logits) instead of softmax(logits/2) gives several hundred.
        Assert.InRange(ChiSquare(counts, p), 0, 20);
    }

    [Fact]
    public void Top_k_keeps_the_k_most_likely_tokens_in_proportion()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4];
        var sampler = new Sampler(new SamplingSettings(Temperature: 1f, TopK: 2, Seed: 2));

        int[] counts = Counts(sampler, LogitsFor(p, 1), 20_000);

        Assert.Equal(0, counts[0] + counts[1]);
        Assert.InRange(ChiSquare([counts[2], counts[3]], [3.0 / 7, 4.0 / 7]), 0, 15);
    }

    [Theory]
    [InlineData(0.4f, new[] { 3 })]
    [InlineData(0.6f, new[] { 2, 3 })]
    [InlineData(0.8f, new[] { 0, 2, 3 })]   // tokens 0 and 1 tie; the lower id ranks first
    [InlineData(0.9f, new[] { 0, 1, 2, 3 })]
    [InlineData(1f, new[] { 0, 1, 2, 3 })]
    public void Top_p_keeps_the_smallest_set_of_most_likely_tokens_reaching_p(float topP, int[] expectedTokens)
    {
        // Most likely first: 3 (0.5), 2 (0.25), 0 (0.125), 1 (0.125); cumulative 0.5, 0.75, 0.875, 1.
        double[] p = [0.125, 0.125, 0.25, 0.5];
        var sampler = new Sampler(new SamplingSettings(Temperature: 1f, TopP: topP, Seed: 3));

        int[] counts = Counts(sampler, LogitsFor(p, 1), 4_000);

        int[] drawn = Enumerable.Range(0, 4).Where(i => counts[i] > 0).ToArray();
        Assert.Equal(expectedTokens, drawn);
    }

    [Fact]
    public void Top_p_stops_at_the_first_token_whose_cumulative_probability_equals_p()
    {
        // Equal logits make every weight exactly 1, so the cumulative share hits 0.5 exactly after two tokens.
        var sampler = new Sampler(new SamplingSettings(Temperature: 1f, TopP: 0.5f, Seed: 6));

        int[] counts = Counts(sampler, [0f, 0f, 0f, 0f], 1_000);

        Assert.Equal([0, 1], Enumerable.Range(0, 4).Where(i => counts[i] > 0));
    }

    // The tokens top-k then top-p may keep, by sorting the whole row: the definition the sampler must meet.
    private static HashSet<int> AllowedTokens(float[] logits, SamplingSettings settings)
    {
        double max = logits.Max();
        var ranked = logits.Select((l, id) => (Weight: Math.Exp((l - max) / settings.Temperature), Id: id))
            .OrderByDescending(x => x.Weight).ThenBy(x => x.Id).ToList();
        if (settings.TopK > 0)
        {
            ranked = ranked.Take(settings.TopK).ToList();
        }
        double total = ranked.Sum(x => x.Weight), cumulative = 0;
        var kept = new HashSet<int>();
        foreach (var (weight, id) in ranked)
        {
            kept.Add(id);
            cumulative += weight;
            if (cumulative >= settings.TopP * total)
            {
                break;
            }
        }
        return kept;
    }

    [Theory]
    [InlineData(1f, 5, 1f)]
    [InlineData(0.1f, 5, 1f)]      // sharp enough that the 5 tokens span more than a factor e
    [InlineData(0.1f, 0, 0.9f)]
    [InlineData(1f, 0, 0.3f)]
    [InlineData(0.5f, 0, 0.9f)]
    [InlineData(2f, 50, 0.8f)]
    [InlineData(0.7f, 1000, 1f)]   // k larger than the vocabulary
    public void Filtered_draws_come_only_from_the_tokens_a_full_sort_allows(float temperature, int topK, float topP)
    {
        var settings = new SamplingSettings(temperature, topK, topP, Seed: 8);
        var sampler = new Sampler(settings);
        for (int row = 0; row < 10; row++)
        {
            float[] logits = RandomLogits(500, 100 + row).Select(x => 3 * x).ToArray();
            HashSet<int> allowed = AllowedTokens(logits, settings);

            int[] counts = Counts(sampler, logits, 1000);

            var drawn = Enumerable.Range(0, logits.Length).Where(i => counts[i] > 0).ToHashSet();
            Assert.Subset(allowed, drawn);
            if (allowed.Count <= 5)
            {
                Assert.Equal(allowed, drawn);
            }
        }
    }

    [Fact]
    public void Huge_and_masked_logits_are_handled_safely()
    {
        var sampler = new Sampler(new SamplingSettings(Temperature: 1f, Seed: 4));

        // exp(3e38) overflows unless the maximum is subtracted first.
        Assert.Equal(2, sampler.Sample([1e30f, -1e30f, 3e38f, float.NegativeInfinity]));
        int[] counts = Counts(sampler, [3e38f, 3e38f, float.NegativeInfinity], 1_000);
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0], 400, 600);
    }

    [Fact]
    public void Broken_logits_and_settings_are_rejected()
    {
        var sampler = new Sampler(new SamplingSettings(Temperature: 1f));
        Assert.Throws<ArgumentException>(() => sampler.Sample([0f, float.NaN]));
        Assert.Throws<ArgumentException>(() => sampler.Sample([0f, float.PositiveInfinity]));
        Assert.Throws<ArgumentException>(() => sampler.Sample([float.NegativeInfinity]));
        Assert.Throws<ArgumentException>(() => sampler.Sample([]));

        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingSettings(Temperature: -1f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingSettings(TopK: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingSettings(TopP: 0f)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingSettings(TopP: 1.5f)));
    }
}
