// A training run: batches from the corpus, forward, backward, clipped AdamW steps, validation and checkpoints.
using System.Diagnostics;

namespace Playground.Model.Training;

/// <summary>
/// Trains a byte-level GPT-2 on a <see cref="TextCorpus"/>. Step s trains on sequences whose offsets are drawn
/// from a generator seeded by (seed, s) alone, so a run resumed from a checkpoint sees exactly the batches an
/// uninterrupted run would, and ends with the same weights: training is deterministic for a given seed and
/// thread count (each output of every op is computed by one thread in a fixed order). Not thread-safe.
/// </summary>
public sealed class GptTrainer
{
    private readonly GptTrainingModel model;
    private readonly AdamW optimizer;
    private readonly ReadOnlyMemory<byte> trainBytes;
    private readonly ReadOnlyMemory<byte> validationBytes;
    private readonly int[] inputs;
    private readonly int[] targets;
    private readonly int[] firstPositions;

    private GptTrainer(TrainingOptions options, TextCorpus corpus, GptWeights weights, TrainingHistory history, int step)
    {
        Options = options;
        Corpus = corpus;
        History = history;
        Step = step;
        (trainBytes, validationBytes) = corpus.Split(options.Context);
        model = new GptTrainingModel(weights, options.Batch, options.Context);
        optimizer = new AdamW(model.Parameters, options);
        // Every step, short or full, holds Batch x Context tokens.
        inputs = new int[options.Batch * options.Context];
        targets = new int[options.Batch * options.Context];
        firstPositions = new int[options.Batch * options.Context];
    }

    public TrainingOptions Options { get; }

    public TextCorpus Corpus { get; }

    public TrainingHistory History { get; }

    /// <summary>Optimizer steps done; the next step trains step number <see cref="Step"/> (0-based).</summary>
    public int Step { get; private set; }

    public GptWeights Weights => model.Weights;

    internal GptTrainingModel Model => model;

    internal AdamW Optimizer => optimizer;

    /// <summary>Bytes of text trained on and held out.</summary>
    public (int Train, int Validation) SplitSizes => (trainBytes.Length, validationBytes.Length);

    /// <summary>A new run from GPT-2's initialisation. Throws <see cref="TrainingDataException"/> for bad options or too little text.</summary>
    public static GptTrainer Start(TrainingOptions options, TextCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(corpus);
        options.Validate();
        return new GptTrainer(options, corpus, InitialWeights.Create(options.ModelConfig, options.Seed), new TrainingHistory(), 0);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="folder"/> on the same text; <paramref name="steps"/>, when given,
    /// changes the total number of steps (and so the learning-rate schedule from here on).
    /// </summary>
    public static GptTrainer Resume(string folder, TextCorpus corpus, int? steps = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        TrainingCheckpoint.State state = TrainingCheckpoint.ReadState(folder);
        TrainingOptions options = steps is int total ? state.Options with { Steps = total } : state.Options;
        options.Validate();
        if (state.Step > options.Steps)
        {
            throw new TrainingDataException($"{folder}: the run is already at step {state.Step}, past --steps {options.Steps}");
        }
        if (state.CorpusSha256 != corpus.Fingerprint)
        {
            throw new TrainingDataException(
                $"{folder}: the run was trained on other text ({state.CorpusBytes} bytes from {state.CorpusDescription}); resume it with the same --data files");
        }
        GptWeights weights = TrainingCheckpoint.ReadWeights(folder, state);
        var trainer = new GptTrainer(options, corpus, weights, state.History, state.Step);
        TrainingCheckpoint.ReadOptimizer(folder, state, trainer.model.Parameters, trainer.optimizer);
        return trainer;
    }

    /// <summary>Writes the model (config.json + model.safetensors), the optimizer state and the run's record to <paramref name="folder"/>.</summary>
    public void Save(string folder) => TrainingCheckpoint.Write(folder, this);

    /// <summary>Trains step number <see cref="Step"/>: one batch forward and backward, gradient clipping, one AdamW update.</summary>
    public StepReport TrainStep()
    {
        if (Step >= Options.Steps)
        {
            throw new InvalidOperationException($"the run has finished its {Options.Steps} steps");
        }
        var clock = Stopwatch.StartNew();
        int B = Options.SequencesPerStep(Step), T = Options.SequenceLength(Step);
        FillTrainingBatch(Step, B, T);
        float loss = model.Forward(inputs, targets, B, T, firstPositions.AsSpan(0, T < Options.Context ? B : 0));
        model.ZeroGradients();
        model.Backward();
        double norm = optimizer.GradientNorm();
        float scale = norm > Options.GradientClip ? (float)(Options.GradientClip / norm) : 1f;
        float learningRate = AdamW.LearningRate(Options, Step);
        optimizer.Update(learningRate, scale);
        clock.Stop();

        Step++;
        History.Train.Add(new LossPoint(Step, loss));
        History.Tokens += B * T;
        History.TrainingSeconds += clock.Elapsed.TotalSeconds;
        return new StepReport(Step, Options.Steps, loss, learningRate, norm, clock.Elapsed, B * T);
    }

    /// <summary>
    /// Mean loss (nats per byte) over validation sequences: <paramref name="batches"/> batches of sequences spread
    /// evenly over the validation text, or, when null, every whole sequence of Context bytes that fits in it.
    /// </summary>
    public double Evaluate(int? batches, CancellationToken cancellation = default)
    {
        int B = Options.Batch, T = Options.Context;
        int lastStart = validationBytes.Length - T - 1;
        int[] starts = batches is int count
            ? Enumerable.Range(0, count * B).Select(i => count * B == 1 ? 0 : (int)((long)lastStart * i / (count * B - 1))).ToArray()
            : Enumerable.Range(0, lastStart / T + 1).Select(i => i * T).ToArray();

        var clock = Stopwatch.StartNew();
        double sum = 0;
        for (int first = 0; first < starts.Length; first += B)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = Math.Min(B, starts.Length - first);
            FillBatch(validationBytes.Span, starts.AsSpan(first, rows), T);
            sum += (double)model.Forward(inputs.AsSpan(0, rows * T), targets.AsSpan(0, rows * T), rows, T) * rows;
        }
        History.TrainingSeconds += clock.Elapsed.TotalSeconds;
        return sum / starts.Length;
    }

    /// <summary>Number of sequences <see cref="Evaluate"/> runs over the whole validation text.</summary>
    public int WholeValidationSequences => (validationBytes.Length - Options.Context - 1) / Options.Context + 1;

    /// <summary>
    /// Trains until <see cref="TrainingOptions.Steps"/> or until <paramref name="cancellation"/> is signalled, which
    /// is noticed between steps. Estimates the validation loss every EvalInterval steps, saves a checkpoint to
    /// <paramref name="folder"/> every SaveInterval steps, and always before returning: an interrupted run leaves
    /// a consistent checkpoint of its last finished step. A finished run ends with the loss over the whole
    /// validation text.
    /// </summary>
    public TrainingOutcome Run(string folder, ITrainingObserver? observer = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (Step == 0 && History.Validation.Count == 0)
        {
            RecordValidation(observer);
        }
        while (Step < Options.Steps && !cancellation.IsCancellationRequested)
        {
            StepReport report = TrainStep();
            observer?.OnStep(report);
            if (Step % Options.EvalInterval == 0 || Step == Options.Steps)
            {
                RecordValidation(observer);
            }
            if (Options.SaveInterval > 0 && Step % Options.SaveInterval == 0 && Step < Options.Steps)
            {
                SaveAndReport(folder, observer);
            }
        }

        bool completed = Step == Options.Steps;
        if (completed && History.FinalValidationLoss is null && !cancellation.IsCancellationRequested)
        {
            observer?.OnFinalEvaluation(WholeValidationSequences);
            try
            {
                History.FinalValidationLoss = Evaluate(null, cancellation);
            }
            catch (OperationCanceledException)
            {
                // Interrupted while measuring: the weights are final, the whole-text loss is simply not known.
            }
        }
        SaveAndReport(folder, observer);
        return new TrainingOutcome(completed, Step, History.FinalValidationLoss, Path.GetFullPath(folder));
    }

    private void RecordValidation(ITrainingObserver? observer)
    {
        double loss = Evaluate(Options.EvalBatches);
        History.Validation.Add(new LossPoint(Step, loss));
        observer?.OnValidation(Step, loss);
    }

    private void SaveAndReport(string folder, ITrainingObserver? observer)
    {
        Save(folder);
        observer?.OnSaved(Path.GetFullPath(folder), Step);
    }

    // Offsets of step s come from a generator seeded with (seed, s), never from state carried between steps.
    // A short sequence is placed at a random absolute position, so that every row of wpe is trained from the start.
    private void FillTrainingBatch(int step, int B, int T)
    {
        var random = new Random(StepSeed(Options.Seed, step));
        var starts = new int[B];
        for (int b = 0; b < B; b++)
        {
            starts[b] = random.Next(0, trainBytes.Length - T);
            firstPositions[b] = T < Options.Context ? random.Next(0, Options.Context - T + 1) : 0;
        }
        FillBatch(trainBytes.Span, starts, T);
    }

    // Sequence b is text[start..start+T) and its targets are the bytes one further on.
    private void FillBatch(ReadOnlySpan<byte> text, ReadOnlySpan<int> starts, int T)
    {
        for (int b = 0; b < starts.Length; b++)
        {
            ReadOnlySpan<byte> window = text.Slice(starts[b], T + 1);
            for (int t = 0; t < T; t++)
            {
                inputs[b * T + t] = window[t];
                targets[b * T + t] = window[t + 1];
            }
        }
    }

    // A fixed mix of the two numbers (HashCode is randomised per process, so it cannot be used here).
    private static int StepSeed(int seed, int step) => (int)(((uint)seed * 2654435761u) ^ ((uint)step * 2246822519u + 0x9E3779B9u));
}
