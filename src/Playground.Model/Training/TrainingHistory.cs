// What a training run has done so far: its loss curves, time and tokens, kept across resumes.
namespace Playground.Model.Training;

/// <summary>A loss (nats per byte) at the end of a step.</summary>
public sealed record LossPoint(int Step, double Loss);

/// <summary>The record of a run, saved with every checkpoint so that a resumed run continues its curves.</summary>
public sealed class TrainingHistory
{
    /// <summary>The mean loss of each step's training batch.</summary>
    public List<LossPoint> Train { get; init; } = [];

    /// <summary>Validation estimates every EvalInterval steps (step 0: the untrained model).</summary>
    public List<LossPoint> Validation { get; init; } = [];

    /// <summary>The loss over the whole validation text once the run has finished; null before.</summary>
    public double? FinalValidationLoss { get; set; }

    /// <summary>Wall-clock seconds spent in training steps and evaluations, over all sessions of the run.</summary>
    public double TrainingSeconds { get; set; }

    /// <summary>Training tokens processed.</summary>
    public long Tokens { get; set; }
}

/// <summary>One finished optimizer step.</summary>
public sealed record StepReport(int Step, int TotalSteps, float Loss, float LearningRate, double GradientNorm, TimeSpan Duration, int Tokens)
{
    public double TokensPerSecond => Tokens / Math.Max(Duration.TotalSeconds, 1e-9);
}

/// <summary>How a call to <see cref="GptTrainer.Run"/> ended.</summary>
public sealed record TrainingOutcome(bool Completed, int Step, double? FinalValidationLoss, string CheckpointFolder);

/// <summary>Hears about a run's progress; called on the training thread, between steps.</summary>
public interface ITrainingObserver
{
    void OnStep(StepReport report);

    void OnValidation(int step, double loss);

    /// <summary>The run has reached its last step and is measuring the loss over the whole validation text.</summary>
    void OnFinalEvaluation(int sequences);

    void OnSaved(string folder, int step);
}
