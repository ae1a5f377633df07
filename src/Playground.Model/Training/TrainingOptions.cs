// Everything that decides a training run: the model's shape, the optimizer, the schedule and the bookkeeping.
namespace Playground.Model.Training;

/// <summary>
/// The settings of a training run. The defaults are the recipe of the shipped default model, except
/// <see cref="Steps"/>, which a caller sets to fit its time. Property names are the command-line option names.
/// </summary>
public sealed record TrainingOptions
{
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public int Embd { get; init; } = 128;

    /// <summary>n_positions, and the length of every training sequence.</summary>
    public int Context { get; init; } = 256;

    /// <summary>
    /// Sequence length of the first phase of training (a sequence-length warmup): with short sequences a model
    /// learns the local structure of text (letters, words) in far fewer steps than with long ones. Each short step
    /// trains on Context / ShortContext times as many sequences, so every step sees Batch × Context tokens.
    /// A value of at least Context means no short phase.
    /// </summary>
    public int ShortContext { get; init; } = 64;

    /// <summary>Share of the steps trained on <see cref="ShortContext"/>-token sequences before the full Context (0: none).</summary>
    public float ShortContextFraction { get; init; } = 0.4f;

    /// <summary>Total optimizer steps of the run (a resumed run continues to this count).</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Sequences per step; a step sees Batch × Context tokens.</summary>
    public int Batch { get; init; } = 8;

    /// <summary>Peak learning rate, reached after the warmup and decayed along a cosine to <see cref="MinLearningRateRatio"/> of it.</summary>
    public float LearningRate { get; init; } = 2e-3f;

    public int Seed { get; init; } = 1337;

    /// <summary>Steps of linear warmup from 0 to the peak learning rate.</summary>
    public int WarmupSteps { get; init; } = 100;

    public float MinLearningRateRatio { get; init; } = 0.1f;

    /// <summary>AdamW's decoupled weight decay, applied to matrices (embeddings, projection weights) only.</summary>
    public float WeightDecay { get; init; } = 0.1f;

    public float Beta1 { get; init; } = 0.9f;

    // 0.99 rather than 0.999: with few tokens per step the second moment must follow the gradients quickly.
    public float Beta2 { get; init; } = 0.99f;

    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>The gradient is scaled down whenever its global L2 norm exceeds this.</summary>
    public float GradientClip { get; init; } = 1f;

    /// <summary>Steps between validation estimates (and the last step).</summary>
    public int EvalInterval { get; init; } = 250;

    /// <summary>Batches of validation sequences per estimate during training; the run ends with the whole validation text.</summary>
    public int EvalBatches { get; init; } = 4;

    /// <summary>Steps between checkpoints (0: only at the end or on interruption).</summary>
    public int SaveInterval { get; init; } = 500;

    /// <summary>Steps 0..ShortContextSteps-1 train on ShortContext-token sequences.</summary>
    public int ShortContextSteps => ShortContext < Context ? (int)Math.Round(Steps * (double)ShortContextFraction) : 0;

    /// <summary>The length of the sequences step <paramref name="step"/> (0-based) trains on.</summary>
    public int SequenceLength(int step) => step < ShortContextSteps ? ShortContext : Context;

    /// <summary>The number of sequences step <paramref name="step"/> trains on: Batch × Context tokens in all.</summary>
    public int SequencesPerStep(int step) => Batch * Context / SequenceLength(step);

    /// <summary>The model these options train: GPT-2 with a byte vocabulary.</summary>
    public GptConfig ModelConfig => new(NLayer: Layers, NHead: Heads, NEmbd: Embd, NPositions: Context, VocabSize: 256);

    /// <summary>Throws <see cref="TrainingDataException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new TrainingDataException(message);
            }
        }
        Require(Layers >= 1, $"--layers must be at least 1, got {Layers}");
        Require(Heads >= 1, $"--heads must be at least 1, got {Heads}");
        Require(Embd >= 1 && Embd % Heads == 0, $"--embd must be a positive multiple of --heads ({Heads}), got {Embd}");
        Require(Context >= 1, $"--ctx must be at least 1, got {Context}");
        Require(Steps >= 1, $"--steps must be at least 1, got {Steps}");
        Require(ShortContextFraction is >= 0 and <= 1, $"--short-ctx-fraction must be in [0, 1], got {ShortContextFraction}");
        Require(ShortContext >= 1, $"--short-ctx must be at least 1, got {ShortContext}");
        Require(ShortContext >= Context || Context % ShortContext == 0, $"--short-ctx must divide --ctx ({Context}), got {ShortContext}");
        Require(Batch >= 1, $"--batch must be at least 1, got {Batch}");
        Require((long)Batch * Context * Math.Max(4 * Embd, 256) <= int.MaxValue, $"--batch {Batch} x --ctx {Context} is too large for this model's activation buffers");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"--lr must be a positive number, got {LearningRate}");
        Require(WarmupSteps >= 0, $"--warmup must not be negative, got {WarmupSteps}");
        Require(MinLearningRateRatio is >= 0 and <= 1, $"the final learning rate ratio must be in [0, 1], got {MinLearningRateRatio}");
        Require(WeightDecay >= 0 && float.IsFinite(WeightDecay), $"--weight-decay must not be negative, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"AdamW's betas must be in [0, 1), got {Beta1} and {Beta2}");
        Require(Epsilon > 0, $"AdamW's epsilon must be positive, got {Epsilon}");
        Require(GradientClip > 0 && float.IsFinite(GradientClip), $"--clip must be a positive number, got {GradientClip}");
        Require(EvalInterval >= 1, $"--eval-every must be at least 1, got {EvalInterval}");
        Require(EvalBatches >= 1, $"--eval-batches must be at least 1, got {EvalBatches}");
        Require(SaveInterval >= 0, $"--save-every must not be negative, got {SaveInterval}");
    }
}
