// Compares a computed tensor with a reference: NaN/Inf first, then NMSE and max-abs error, with the first mismatches.
using System.Globalization;
using System.Text;

namespace Playground.Model.Numerics;

/// <summary>Bounds that a comparison must meet.</summary>
public sealed record ParityTolerance(double MaxNmse, double MaxAbs)
{
    /// <summary>Elementwise ops (encoder, gelu, residual, layernorm, KV cache writes).</summary>
    public static readonly ParityTolerance Elementwise = new(1e-7, 1e-4);

    /// <summary>Reductions over a dimension (matmul, attention), where summation order differs.</summary>
    public static readonly ParityTolerance Reduction = new(5e-4, 1e-2);
}

/// <summary>The outcome of one comparison, printable as a table row or a failure report.</summary>
public sealed record ParityResult(string Name, int Count, int NonFinite, double Nmse, double MaxAbs, double MaxRef, IReadOnlyList<string> FirstMismatches, ParityTolerance Tolerance)
{
    public bool Pass => NonFinite == 0 && Nmse <= Tolerance.MaxNmse && MaxAbs <= Tolerance.MaxAbs;

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Name}: {(Pass ? "pass" : "FAIL")} n={Count} nonfinite={NonFinite} nmse={Nmse:E2} (<= {Tolerance.MaxNmse:E0}) maxabs={MaxAbs:E2} (<= {Tolerance.MaxAbs:E0}) max|ref|={MaxRef:G4}");
        foreach (string m in FirstMismatches) sb.Append("\n  ").Append(m);
        return sb.ToString();
    }
}

public static class Parity
{
    /// <summary>
    /// Compares <paramref name="actual"/> with <paramref name="expected"/>. NMSE is sum((a-e)^2) / sum(e^2), so it
    /// does not depend on scale; a reference of all zeros uses the plain mean squared error.
    /// </summary>
    public static ParityResult Compare(string name, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ParityTolerance tolerance, int reportMismatches = 8)
    {
        ArgumentNullException.ThrowIfNull(tolerance);
        if (expected.Length != actual.Length)
            return new ParityResult(name, actual.Length, 0, double.PositiveInfinity, double.PositiveInfinity, 0,
                [$"length differs: expected {expected.Length}, got {actual.Length}"], tolerance);
        int nonFinite = 0;
        double errSq = 0, refSq = 0, maxAbs = 0, maxRef = 0;
        var mismatches = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!double.IsFinite(a) || !double.IsFinite(e))
            {
                nonFinite++;
                if (mismatches.Count < reportMismatches) mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"[{i}] expected {e:G9} got {a:G9} (not finite)"));
                continue;
            }
            double d = Math.Abs(a - e);
            errSq += d * d;
            refSq += e * e;
            maxAbs = Math.Max(maxAbs, d);
            maxRef = Math.Max(maxRef, Math.Abs(e));
            if (d > tolerance.MaxAbs && mismatches.Count < reportMismatches)
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"[{i}] expected {e:G9} got {a:G9} (|diff| {d:E2})"));
        }
        double nmse = refSq > 0 ? errSq / refSq : errSq / Math.Max(1, expected.Length);
        if (nonFinite == 0 && nmse > tolerance.MaxNmse && mismatches.Count == 0)
            mismatches.Add("error is spread thinly: no single element passes the max-abs bound, but the NMSE does");
        return new ParityResult(name, expected.Length, nonFinite, nmse, maxAbs, maxRef, mismatches, tolerance);
    }
}
