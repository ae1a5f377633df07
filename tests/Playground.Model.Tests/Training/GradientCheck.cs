// Central finite differences in float64, and the comparison of an analytic float32 gradient against them.
namespace Playground.Model.Tests.Training;

internal static class GradientCheck
{
    /// <summary>Step of the central differences: truncation error ~h², rounding ~1e-16/h, both far below float32's precision.</summary>
    private const double Step = 1e-5;

    /// <summary>
    /// Compares <paramref name="analytic"/> (the gradient of <paramref name="loss"/> with respect to
    /// <paramref name="point"/>) with (loss(x+h) - loss(x-h)) / 2h at <paramref name="indices"/>. Returns
    /// max |analytic - numeric| / max |numeric|: the error relative to the gradient's size.
    /// </summary>
    public static double RelativeError(double[] point, ReadOnlySpan<float> analytic, Func<double> loss, IEnumerable<int> indices)
    {
        double maxError = 0, maxNumeric = 0;
        foreach (int i in indices)
        {
            double saved = point[i];
            point[i] = saved + Step;
            double up = loss();
            point[i] = saved - Step;
            double down = loss();
            point[i] = saved;
            double numeric = (up - down) / (2 * Step);
            maxError = Math.Max(maxError, Math.Abs(analytic[i] - numeric));
            maxNumeric = Math.Max(maxNumeric, Math.Abs(numeric));
        }
        Assert.True(maxNumeric > 0, "every finite-difference gradient checked is 0: the check would prove nothing");
        return maxError / maxNumeric;
    }

    /// <summary>Every index of a small tensor; a seeded sample of <paramref name="most"/> indices of a large one.</summary>
    public static IEnumerable<int> Indices(int length, int most, int seed)
    {
        if (length <= most)
        {
            return Enumerable.Range(0, length);
        }
        var random = new Random(seed);
        return Enumerable.Range(0, most).Select(_ => random.Next(length)).Distinct().Order();
    }

    /// <summary>Σ output ⊙ projection: a scalar whose gradient with respect to the output is the projection.</summary>
    public static double Project(double[] output, float[] projection)
    {
        double sum = 0;
        for (int i = 0; i < output.Length; i++)
        {
            sum += output[i] * projection[i];
        }
        return sum;
    }

    public static float[] RandomFloats(int n, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => scale * (float)(2 * random.NextDouble() - 1)).ToArray();
    }

    public static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();
}
