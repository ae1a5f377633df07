// Error measures shared by the tests that hold float32 results against float64 references.
namespace Playground.Model.Tests.Reference;

internal static class Compare
{
    /// <summary>max |actual - expected| / max |expected|: the error relative to the size of the logits.</summary>
    public static double RelativeMaxError(ReadOnlySpan<float> actual, double[,] expected, int firstRow = 0)
    {
        int columns = expected.GetLength(1);
        double maxError = 0, maxExpected = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected[firstRow + i / columns, i % columns];
            maxError = Math.Max(maxError, Math.Abs(actual[i] - e));
            maxExpected = Math.Max(maxExpected, Math.Abs(e));
        }
        return maxError / maxExpected;
    }

    public static double RelativeMaxError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxError = 0, maxExpected = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            maxError = Math.Max(maxError, Math.Abs((double)actual[i] - expected[i]));
            maxExpected = Math.Max(maxExpected, Math.Abs((double)expected[i]));
        }
        return maxError / maxExpected;
    }
}
