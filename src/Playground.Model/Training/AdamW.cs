// AdamW with decoupled weight decay, gradient clipping by global norm, and a warmup + cosine learning rate.
namespace Playground.Model.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter), as llm.c's gpt2_update: per element
/// m = β1 m + (1-β1) g, v = β2 v + (1-β2) g², p -= lr (m̂ / (sqrt(v̂) + ε) + λ p), with m̂ and v̂ the bias-corrected
/// moments and λ applied to matrices only. Keeps one m and one v per parameter.
/// </summary>
public sealed class AdamW
{
    private readonly IReadOnlyList<ParameterTensor> parameters;
    private readonly TrainingOptions options;

    public AdamW(IReadOnlyList<ParameterTensor> parameters, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        this.parameters = parameters;
        this.options = options;
        FirstMoments = parameters.Select(p => new float[p.Values.Length]).ToArray();
        SecondMoments = parameters.Select(p => new float[p.Values.Length]).ToArray();
    }

    /// <summary>Updates done so far (Adam's t).</summary>
    public int Updates { get; private set; }

    /// <summary>m, one array per parameter, in the order of the parameters.</summary>
    public IReadOnlyList<float[]> FirstMoments { get; }

    /// <summary>v, one array per parameter, in the order of the parameters.</summary>
    public IReadOnlyList<float[]> SecondMoments { get; }

    /// <summary>Puts back the state of a saved optimizer (its moments must already be copied in).</summary>
    public void RestoreUpdates(int updates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(updates);
        Updates = updates;
    }

    /// <summary>The L2 norm of all gradients together, summed in double in a fixed order.</summary>
    public double GradientNorm()
    {
        double sumOfSquares = 0;
        foreach (ParameterTensor p in parameters)
        {
            foreach (float g in p.Gradient)
            {
                sumOfSquares += (double)g * g;
            }
        }
        return Math.Sqrt(sumOfSquares);
    }

    /// <summary>One update with every gradient multiplied by <paramref name="gradientScale"/> (the clipping factor).</summary>
    public void Update(float learningRate, float gradientScale)
    {
        Updates++;
        float beta1 = options.Beta1, beta2 = options.Beta2, eps = options.Epsilon;
        float beta1Correction = 1f - MathF.Pow(beta1, Updates);
        float beta2Correction = 1f - MathF.Pow(beta2, Updates);
        for (int i = 0; i < parameters.Count; i++)
        {
            ParameterTensor p = parameters[i];
            float decay = p.Decays ? options.WeightDecay : 0f;
            float[] values = p.Values, gradient = p.Gradient, m = FirstMoments[i], v = SecondMoments[i];
            for (int j = 0; j < values.Length; j++)
            {
                float g = gradient[j] * gradientScale;
                m[j] = beta1 * m[j] + (1f - beta1) * g;
                v[j] = beta2 * v[j] + (1f - beta2) * g * g;
                float mHat = m[j] / beta1Correction;
                float vHat = v[j] / beta2Correction;
                values[j] -= learningRate * (mHat / (MathF.Sqrt(vHat) + eps) + decay * values[j]);
            }
        }
    }

    /// <summary>
    /// The learning rate of step <paramref name="step"/> (0-based): linear warmup to the peak over WarmupSteps,
    /// then a cosine from the peak down to MinLearningRateRatio × peak at the last step.
    /// </summary>
    public static float LearningRate(TrainingOptions options, int step)
    {
        ArgumentNullException.ThrowIfNull(options);
        float peak = options.LearningRate, floor = peak * options.MinLearningRateRatio;
        if (step < options.WarmupSteps)
        {
            return peak * (step + 1) / options.WarmupSteps;
        }
        int decaySteps = options.Steps - options.WarmupSteps;
        if (decaySteps <= 1)
        {
            return peak;
        }
        double progress = Math.Clamp((double)(step - options.WarmupSteps) / (decaySteps - 1), 0, 1);
        return floor + (float)(0.5 * (1 + Math.Cos(Math.PI * progress))) * (peak - floor);
    }
}
