// Training runs: determinism, interruption and resumption, and the checkpoint files they leave.
using Playground.Model.Checkpoints;
using Playground.Model.Reference;
using Playground.Model.Tests.IO;
using Playground.Model.Training;

namespace Playground.Model.Tests.Training;

public sealed class GptTrainerTests : IDisposable
{
    private static readonly TrainingOptions Tiny = new()
    {
        Layers = 2, Heads = 2, Embd = 16, Context = 16, Batch = 4, Steps = 8, LearningRate = 3e-3f, WarmupSteps = 2,
        EvalInterval = 4, EvalBatches = 1, SaveInterval = 0, Seed = 5, ShortContext = 4, ShortContextFraction = 0.5f,
    };

    private static readonly Lazy<TextCorpus> Genesis = new(() => TextCorpus.Load([RepositoryFiles.GenesisText]));

    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>Signals cancellation once the run has finished step <paramref name="stopAfter"/>, as Ctrl-C would.</summary>
    private sealed class StopAfter(int stopAfter) : ITrainingObserver
    {
        public CancellationTokenSource Source { get; } = new();

        public List<int> SavedSteps { get; } = [];

        public void OnStep(StepReport report)
        {
            if (report.Step == stopAfter) Source.Cancel();
        }

        public void OnValidation(int step, double loss) { }

        public void OnFinalEvaluation(int sequences) { }

        public void OnSaved(string savedFolder, int step) => SavedSteps.Add(step);
    }

    private static void AssertSameWeights(GptTrainer expected, GptTrainer actual)
    {
        IReadOnlyList<ParameterTensor> a = expected.Model.Parameters, b = actual.Model.Parameters;
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].Values.AsSpan().SequenceEqual(b[i].Values), $"{a[i].Name} differs");
        }
    }

    [Fact]
    public void The_same_seed_gives_bit_identical_losses_and_weights()
    {
        GptTrainer first = GptTrainer.Start(Tiny, Genesis.Value), second = GptTrainer.Start(Tiny, Genesis.Value);

        first.Run(folder.Combine("first"));
        second.Run(folder.Combine("second"));

        Assert.Equal(first.History.Train, second.History.Train);
        Assert.Equal(first.History.Validation, second.History.Validation);
        AssertSameWeights(first, second);
        Assert.Equal(File.ReadAllBytes(folder.Combine("first", "model.safetensors")), File.ReadAllBytes(folder.Combine("second", "model.safetensors")));
    }

    [Fact]
    public void The_first_steps_train_on_short_sequences_with_as_many_tokens()
    {
        Assert.Equal(4, Tiny.ShortContextSteps);
        Assert.Equal([4, 4, 4, 4, 16, 16, 16, 16], Enumerable.Range(0, 8).Select(Tiny.SequenceLength));
        Assert.All(Enumerable.Range(0, 8), s => Assert.Equal(Tiny.Batch * Tiny.Context, Tiny.SequencesPerStep(s) * Tiny.SequenceLength(s)));
        Assert.Equal(0, (Tiny with { ShortContext = 16 }).ShortContextSteps);
        Assert.Equal("--short-ctx must divide --ctx (16), got 5",
            Assert.Throws<TrainingDataException>(() => GptTrainer.Start(Tiny with { ShortContext = 5 }, Genesis.Value)).Message);
    }

    [Fact]
    public void Another_seed_gives_other_weights()
    {
        GptTrainer first = GptTrainer.Start(Tiny with { Steps = 2 }, Genesis.Value), second = GptTrainer.Start(Tiny with { Steps = 2, Seed = 6 }, Genesis.Value);
        first.TrainStep();
        second.TrainStep();

        Assert.False(first.Weights.TokenEmbedding.AsSpan().SequenceEqual(second.Weights.TokenEmbedding));
    }

    [Fact]
    public void An_interrupted_run_resumed_from_its_checkpoint_ends_exactly_like_an_uninterrupted_one()
    {
        GptTrainer straight = GptTrainer.Start(Tiny, Genesis.Value);
        TrainingOutcome straightOutcome = straight.Run(folder.Combine("straight"));

        GptTrainer interrupted = GptTrainer.Start(Tiny, Genesis.Value);
        var stop = new StopAfter(3);
        TrainingOutcome stopped = interrupted.Run(folder.Combine("resumed"), stop, stop.Source.Token);
        GptTrainer resumed = GptTrainer.Resume(folder.Combine("resumed"), Genesis.Value);
        TrainingOutcome resumedOutcome = resumed.Run(folder.Combine("resumed"));

        Assert.False(stopped.Completed);
        Assert.Equal(3, stopped.Step);
        Assert.Equal([3], stop.SavedSteps);
        Assert.Null(stopped.FinalValidationLoss);
        Assert.Equal(3, resumed.Optimizer.Updates - (resumed.Step - 3));
        Assert.True(resumedOutcome.Completed);
        AssertSameWeights(straight, resumed);
        Assert.Equal(straight.History.Train, resumed.History.Train);
        Assert.Equal(straight.History.Validation, resumed.History.Validation);
        Assert.Equal(straightOutcome.FinalValidationLoss, resumedOutcome.FinalValidationLoss);
    }

    [Fact]
    public void The_checkpoint_is_a_HuggingFace_model_that_loads_with_the_trained_weights()
    {
        GptTrainer trainer = GptTrainer.Start(Tiny with { Steps = 3 }, Genesis.Value);
        trainer.Run(folder.Path);

        LoadedCheckpoint loaded = GptCheckpoint.Load(folder.Path);

        Assert.Equal(Tiny.ModelConfig, loaded.Config);
        Assert.Null(loaded.Weights.UntiedLmHead);
        Assert.Equal(trainer.Weights.Layers[1].FcWeight, loaded.Weights.Layers[1].FcWeight);
        Assert.Equal(trainer.Weights.TokenEmbedding, loaded.Weights.TokenEmbedding);
        using var runner = new CpuGptRunner(loaded.Weights);
        Assert.Equal(256, runner.Forward("In the"u8.ToArray().Select(b => (int)b).ToArray()).Length);
        Assert.True(File.Exists(folder.Combine(TrainingCheckpoint.OptimizerFileName)));
        Assert.Equal(3, TrainingCheckpoint.ReadState(folder.Path).Step);
    }

    [Fact]
    public void A_finished_run_records_validation_estimates_and_the_whole_validation_loss()
    {
        GptTrainer trainer = GptTrainer.Start(Tiny, Genesis.Value);

        TrainingOutcome outcome = trainer.Run(folder.Path);

        Assert.Equal([0, 4, 8], trainer.History.Validation.Select(p => p.Step));
        Assert.Equal(Enumerable.Range(1, 8), trainer.History.Train.Select(p => p.Step));
        Assert.Equal(8L * Tiny.Batch * Tiny.Context, trainer.History.Tokens);
        Assert.NotNull(outcome.FinalValidationLoss);
        Assert.Equal(outcome.FinalValidationLoss, TrainingCheckpoint.ReadState(folder.Path).History.FinalValidationLoss);
        // The untrained model guesses about uniformly; eight steps already do better.
        Assert.InRange(trainer.History.Validation[0].Loss, Math.Log(256) - 0.1, Math.Log(256) + 0.1);
        Assert.True(outcome.FinalValidationLoss < trainer.History.Validation[0].Loss);
    }

    [Fact]
    public void A_checkpoint_whose_files_come_from_different_steps_is_refused()
    {
        GptTrainer trainer = GptTrainer.Start(Tiny with { Steps = 4 }, Genesis.Value);
        var stop = new StopAfter(2);
        trainer.Run(folder.Path, stop, stop.Source.Token);
        string optimizer = folder.Combine(TrainingCheckpoint.OptimizerFileName);
        byte[] atStep2 = File.ReadAllBytes(optimizer);
        GptTrainer.Resume(folder.Path, Genesis.Value).Run(folder.Path);

        // As if a crash had come between writing the model of step 4 and its optimizer state.
        File.WriteAllBytes(optimizer, atStep2);

        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Resume(folder.Path, Genesis.Value));
        Assert.Equal($"{optimizer}: does not match training.json (a save was cut short?); the folder's files come from different steps and cannot be resumed", e.Message);
    }

    [Fact]
    public void A_run_resumes_only_on_the_text_it_was_trained_on()
    {
        GptTrainer.Start(Tiny with { Steps = 1 }, Genesis.Value).Run(folder.Path);

        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Resume(folder.Path, TextCorpus.FromText(new string('a', 2000)), steps: 2));

        Assert.Contains("was trained on other text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_resumed_run_can_be_given_more_steps_but_not_fewer_than_it_has_done()
    {
        GptTrainer.Start(Tiny with { Steps = 2 }, Genesis.Value).Run(folder.Path);

        GptTrainer extended = GptTrainer.Resume(folder.Path, Genesis.Value, steps: 3);
        TrainingOutcome outcome = extended.Run(folder.Path);

        Assert.True(outcome.Completed);
        Assert.Equal(3, outcome.Step);
        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Resume(folder.Path, Genesis.Value, steps: 2));
        Assert.Contains("already at step 3, past --steps 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resuming_a_folder_without_a_run_says_so()
    {
        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Resume(folder.Path, Genesis.Value));

        Assert.Equal($"{folder.Path}: holds no training run to resume (training.json not found)", e.Message);
    }

    [Theory]
    [InlineData(3, 16, "--embd must be a positive multiple of --heads (3), got 16")]
    [InlineData(2, 0, "--embd must be a positive multiple of --heads (2), got 0")]
    public void Bad_options_are_refused_with_the_option_named(int heads, int embd, string message)
    {
        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Start(Tiny with { Heads = heads, Embd = embd }, Genesis.Value));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void A_context_longer_than_the_text_allows_is_refused_before_training()
    {
        var e = Assert.Throws<TrainingDataException>(() => GptTrainer.Start(Tiny with { Context = 1024 }, TextCorpus.FromText(new string('a', 1500), "short.txt")));

        Assert.StartsWith("short.txt: 1500 bytes of text is too little for --ctx 1024", e.Message, StringComparison.Ordinal);
    }
}
