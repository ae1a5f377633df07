// AdamW's update, decay and gradient norm against double-precision formulas, and the learning-rate schedule.
using Playground.Model.Training;

namespace Playground.Model.Tests.Training;

public sealed class AdamWTests
{
    private static readonly TrainingOptions Options = new()
    {
        LearningRate = 0.01f, WeightDecay = 0.1f, Beta1 = 0.9f, Beta2 = 0.99f, Epsilon = 1e-8f, WarmupSteps = 10, Steps = 111, MinLearningRateRatio = 0.1f,
    };

    private static ParameterTensor Tensor(string name, int[] shape, float[] values, float[] gradient) => new(name, shape, values, gradient);

    [Fact]
    public void Two_updates_follow_the_AdamW_formulas_and_decay_only_matrices()
    {
        float[] matrix = [0.5f, -1.5f, 2f, 0.25f], bias = [0.5f, -1.5f];
        float[] matrixGradient = [0.3f, -0.2f, 0f, 1e-3f], biasGradient = [0.3f, -0.2f];
        var parameters = new[] { Tensor("w", [2, 2], matrix, matrixGradient), Tensor("b", [2], bias, biasGradient) };
        var optimizer = new AdamW(parameters, Options);
        double[] expectedMatrix = matrix.Select(v => (double)v).ToArray(), expectedBias = bias.Select(v => (double)v).ToArray();
        double[] m = new double[6], v = new double[6];

        for (int t = 1; t <= 2; t++)
        {
            const double lr = 0.02, scale = 0.5;
            optimizer.Update((float)lr, (float)scale);
            for (int i = 0; i < 6; i++)
            {
                bool isMatrix = i < 4;
                double[] p = isMatrix ? expectedMatrix : expectedBias;
                int j = isMatrix ? i : i - 4;
                double g = (isMatrix ? matrixGradient[j] : biasGradient[j]) * scale;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.99 * v[i] + 0.01 * g * g;
                double mHat = m[i] / (1 - Math.Pow(0.9, t)), vHat = v[i] / (1 - Math.Pow(0.99, t));
                p[j] -= lr * (mHat / (Math.Sqrt(vHat) + 1e-8) + (isMatrix ? 0.1 : 0) * p[j]);
            }
        }

        Assert.Equal(2, optimizer.Updates);
        for (int j = 0; j < 4; j++) Assert.Equal(expectedMatrix[j], matrix[j], 1e-6);
        for (int j = 0; j < 2; j++) Assert.Equal(expectedBias[j], bias[j], 1e-6);
        // Same values and gradients, but only the matrix was pulled towards 0 by weight decay.
        Assert.True(Math.Abs(matrix[0]) < Math.Abs(bias[0]));
    }

    [Fact]
    public void Gradient_norm_is_the_L2_norm_over_every_parameter()
    {
        var parameters = new[] { Tensor("w", [1, 2], new float[2], [3f, 0f]), Tensor("b", [1], new float[1], [4f]) };

        Assert.Equal(5.0, new AdamW(parameters, Options).GradientNorm(), 12);
    }

    [Theory]
    [InlineData(0, 0.001)]    // warmup: (step+1)/10 of the peak
    [InlineData(4, 0.005)]
    [InlineData(9, 0.01)]     // the last warmup step reaches the peak
    [InlineData(10, 0.01)]    // the cosine starts at the peak
    [InlineData(60, 0.0055)]  // half way down: the mean of the peak and the floor
    [InlineData(110, 0.001)]  // the last step ends at the floor
    public void Learning_rate_warms_up_linearly_then_follows_a_cosine_to_the_floor(int step, double expected)
    {
        Assert.Equal(expected, AdamW.LearningRate(Options, step), 1e-6);
    }

    [Fact]
    public void Learning_rate_never_rises_after_the_warmup()
    {
        float[] rates = Enumerable.Range(0, Options.Steps).Select(s => AdamW.LearningRate(Options, s)).ToArray();

        for (int s = Options.WarmupSteps + 1; s < rates.Length; s++)
        {
            Assert.True(rates[s] <= rates[s - 1], $"step {s}: {rates[s]} after {rates[s - 1]}");
        }
    }
}
