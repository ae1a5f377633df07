// The shipped default model (models/default): it loads as the default and writes English words, not noise.
using System.Text;
using System.Text.RegularExpressions;
using Playground.Model.Checkpoints;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Playground.Model.Training;
using Xunit.Abstractions;

namespace Playground.Model.Tests.Training;

public sealed partial class DefaultModelTests(ITestOutputHelper output)
{
    // Debian's wamerican word list; scripts/setup.sh installs it.
    private const string WordListPath = "/usr/share/dict/american-english";

    [Fact]
    public void Greedy_text_from_the_shipped_model_is_mostly_dictionary_words()
    {
        Assert.True(File.Exists(WordListPath), $"{WordListPath} is missing: install Debian's wamerican package (scripts/setup.sh does)");
        var dictionary = new HashSet<string>(File.ReadLines(WordListPath).Select(w => w.ToLowerInvariant()), StringComparer.Ordinal);
        GptWeights weights = GptCheckpoint.Load(RepositoryFiles.DefaultModel).Weights;

        string sample = GreedyText(weights, "And God said unto ", 400);

        // Words are runs of letters, with a possessive or contraction ending ("Abraham's"); a word the sample
        // cuts off at its end is not counted.
        string[] words = WordPattern().Matches(sample).Select(m => m.Value).ToArray();
        if (sample.Length > 0 && char.IsLetter(sample[^1])) words = words[..^1];
        string[] unknown = words.Where(w => !dictionary.Contains(w.ToLowerInvariant())).ToArray();
        double share = 1 - (double)unknown.Length / words.Length;
        output.WriteLine(sample);
        output.WriteLine($"{words.Length} words, {share:P0} in the dictionary; not found: {string.Join(' ', unknown.Distinct())}");
        Assert.True(words.Length >= 40, $"400 bytes held only {words.Length} words: \"{sample}\"");
        Assert.True(share >= 0.7, $"only {share:P0} of the words are in {WordListPath}: \"{sample}\"");
    }

    [Fact]
    public void The_shipped_model_is_what_the_locator_returns_for_default_and_matches_its_training_record()
    {
        string folder = RepositoryFiles.DefaultModel;
        var environment = new ModelSearchEnvironment(null, null, null, "/nonexistent-home", folder, AppContext.BaseDirectory);

        Assert.Equal(Path.GetFullPath(folder), ModelLocator.Resolve(ModelLocator.DefaultModelName, environment));
        TrainingCheckpoint.State state = TrainingCheckpoint.ReadState(folder);
        Assert.Equal(state.Options.ModelConfig, GptCheckpoint.Load(folder).Config);
        Assert.Equal(state.Options.Steps, state.Step);
        Assert.NotNull(state.History.FinalValidationLoss);
    }

    // Greedy bytes after the prompt; when the context is full the model goes on from the last half of the text.
    private static string GreedyText(GptWeights weights, string prompt, int count)
    {
        int context = weights.Config.NPositions;
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(prompt));
        int promptLength = bytes.Count;
        using var runner = new CpuGptRunner(weights);
        float[] logits = runner.Forward(bytes.Select(b => (int)b).ToArray());
        while (bytes.Count - promptLength < count)
        {
            int next = Sampler.Argmax(logits);
            bytes.Add((byte)next);
            if (runner.Position == context)
            {
                runner.Reset();
                logits = runner.Forward(bytes.Skip(bytes.Count - context / 2).Select(b => (int)b).ToArray());
            }
            else
            {
                logits = runner.Forward([next]);
            }
        }
        return Encoding.UTF8.GetString(bytes.Skip(promptLength).ToArray());
    }

    [GeneratedRegex(@"[A-Za-z]+('[a-z]+)?")]
    private static partial Regex WordPattern();
}
