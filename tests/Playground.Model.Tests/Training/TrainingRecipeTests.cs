// The shipped model's training recipe, shrunk to seconds: on the committed KJV slice the loss must fall far below uniform.
using Playground.Model.Tests.IO;
using Playground.Model.Training;
using Xunit.Abstractions;

namespace Playground.Model.Tests.Training;

public sealed class TrainingRecipeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void A_few_hundred_steps_of_the_recipe_on_Genesis_fall_well_below_the_uniform_baseline()
    {
        // The shipped model's recipe (TrainingOptions' defaults: AdamW, betas, weight decay, clipping, warmup and
        // cosine schedule, initialisation, the short-sequence phase), on a model and batch small enough to train in
        // seconds; the short phase keeps the shipped ratio of a quarter of the context.
        var options = new TrainingOptions
        {
            Layers = 2, Heads = 4, Embd = 64, Context = 64, ShortContext = 16, Batch = 8, Steps = 300, WarmupSteps = 30, EvalInterval = 100,
            SaveInterval = 0,
        };
        TextCorpus genesis = TextCorpus.Load([RepositoryFiles.GenesisText]);
        GptTrainer trainer = GptTrainer.Start(options, genesis);

        TrainingOutcome outcome = trainer.Run(folder.Path);

        double uniform = Math.Log(256);
        double unigram = UnigramCrossEntropy(genesis, options.Context);
        double final = outcome.FinalValidationLoss!.Value;
        output.WriteLine($"validation loss: {string.Join(", ", trainer.History.Validation.Select(p => $"step {p.Step}: {p.Loss:F3}"))}; whole text {final:F3} nats/byte");
        output.WriteLine($"baselines: uniform {uniform:F3}, byte frequencies {unigram:F3}; {trainer.History.Tokens} tokens in {trainer.History.TrainingSeconds:F1} s");
        Assert.True(outcome.Completed);
        Assert.InRange(trainer.History.Validation[0].Loss, uniform - 0.1, uniform + 0.1);
        Assert.True(final < uniform - 2.5, $"validation loss {final:F3} nats/byte is not well below uniform ({uniform:F3})");
        // Below what byte frequencies alone achieve: the model predicts from context, not just from how common a byte is.
        Assert.True(final < unigram - 0.2, $"validation loss {final:F3} nats/byte is no better than byte frequencies ({unigram:F3})");
    }

    // Cross-entropy of the validation bytes under the training bytes' frequencies (a byte never seen counts as half).
    private static double UnigramCrossEntropy(TextCorpus corpus, int context)
    {
        (ReadOnlyMemory<byte> train, ReadOnlyMemory<byte> validation) = corpus.Split(context);
        var counts = new double[256];
        foreach (byte b in train.Span) counts[b]++;
        double sum = 0;
        foreach (byte b in validation.Span) sum -= Math.Log(Math.Max(counts[b], 0.5) / train.Length);
        return sum / validation.Length;
    }
}
