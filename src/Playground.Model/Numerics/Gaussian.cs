// Seeded normal samples: System.Random has no normal sampler, so Box-Muller over its uniform draws.
namespace Playground.Model.Numerics;

public static class Gaussian
{
    /// <summary>n samples of N(mean, std²) from <paramref name="rng"/>; the same generator state gives the same samples.</summary>
    public static float[] Samples(Random rng, long n, float std = 1f, float mean = 0f)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var a = new float[n];
        for (long i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            a[i] = mean + std * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return a;
    }
}
