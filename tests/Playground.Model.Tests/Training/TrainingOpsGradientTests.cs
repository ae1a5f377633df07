// Each op's analytic backward against float64 finite differences of the op, plus the forward variants against CpuOps.
using Playground.Model.Reference;
using Playground.Model.Training;
using Xunit.Abstractions;

namespace Playground.Model.Tests.Training;

/// <summary>
/// For an op y = f(x, w, ...), the scalar L = Σ y ⊙ R with a fixed random R has dL/dy = R. The op's backward,
/// given doutput = R, must then return dL/dx, dL/dw, ...: these are compared with central differences of L
/// computed with the float64 op in <see cref="Float64Training"/>.
/// </summary>
public sealed class TrainingOpsGradientTests(ITestOutputHelper output)
{
    // float32 gradients carry about 1e-7 relative rounding per operation; sums of a few hundred terms stay well below this.
    private const double Tolerance = 1e-4;

    // Gradient elements checked per tensor: every one of a small tensor, a seeded sample of a large one.
    private const int MostChecked = 400;

    private void Check(string what, double[] point, ReadOnlySpan<float> analytic, Func<double> loss, int seed)
    {
        double error = GradientCheck.RelativeError(point, analytic, loss, GradientCheck.Indices(point.Length, MostChecked, seed));
        output.WriteLine($"{what}: max|analytic - numeric| / max|numeric| = {error:E2}");
        Assert.InRange(error, 0, Tolerance);
    }

    public sealed record Shape(int B, int T, int C, int V = 0, int OC = 0, int NH = 1)
    {
        public int N => B * T;

        public override string ToString() => $"B={B},T={T},C={C}" + (V > 0 ? $",V={V}" : "") + (OC > 0 ? $",OC={OC}" : "") + (NH > 1 ? $",NH={NH}" : "");
    }

    public static TheoryData<Shape, bool> EncoderShapes() => new()
    {
        { new Shape(B: 2, T: 3, C: 5, V: 7), false },
        { new Shape(B: 3, T: 8, C: 16, V: 4), false },
        { new Shape(B: 3, T: 4, C: 6, V: 5), true },  // sequences at other absolute positions, overlapping
    };

    [Theory]
    [MemberData(nameof(EncoderShapes))]
    public void Encoder_gradients_match_finite_differences(Shape s, bool offsetPositions)
    {
        int[] tokens = Enumerable.Range(0, s.N).Select(i => i * 5 % s.V).ToArray();  // every row reused, some several times
        int[] firstPositions = offsetPositions ? Enumerable.Range(0, s.B).Select(b => 2 * b + 1).ToArray() : [];
        int positions = s.T + (offsetPositions ? firstPositions.Max() : 0);
        float[] wte = GradientCheck.RandomFloats(s.V * s.C, 1), wpe = GradientCheck.RandomFloats(positions * s.C, 2);
        float[] projection = GradientCheck.RandomFloats(s.N * s.C, 3);
        var output = new float[s.N * s.C];
        var dwte = new float[wte.Length];
        var dwpe = new float[wpe.Length];

        TrainingOps.EncoderForward(output, tokens, firstPositions, wte, wpe, s.B, s.T, s.C);
        TrainingOps.EncoderBackward(dwte, dwpe, projection, tokens, firstPositions, s.B, s.T, s.C);

        double[] wte64 = GradientCheck.ToDouble(wte), wpe64 = GradientCheck.ToDouble(wpe);
        int[]? first = offsetPositions ? firstPositions : null;
        double[] expected = Float64Training.Encoder(tokens, wte64, wpe64, s.B, s.T, s.C, first);
        Assert.Equal(expected.Select(v => (float)v), output);
        double Loss() => GradientCheck.Project(Float64Training.Encoder(tokens, wte64, wpe64, s.B, s.T, s.C, first), projection);
        Check("dwte", wte64, dwte, Loss, 4);
        Check("dwpe", wpe64, dwpe, Loss, 5);
    }

    public static TheoryData<Shape> LayerNormShapes() => new(new Shape(B: 1, T: 3, C: 5), new Shape(B: 2, T: 7, C: 48), new Shape(B: 1, T: 2, C: 130));

    [Theory]
    [MemberData(nameof(LayerNormShapes))]
    public void Layernorm_gradients_match_finite_differences(Shape s)
    {
        const float eps = 1e-5f;
        float[] x = GradientCheck.RandomFloats(s.N * s.C, 1, scale: 2f);
        float[] weight = GradientCheck.RandomFloats(s.C, 2).Select(w => 1f + w).ToArray(), bias = GradientCheck.RandomFloats(s.C, 3);
        float[] projection = GradientCheck.RandomFloats(s.N * s.C, 4);
        var y = new float[s.N * s.C];
        var mean = new float[s.N];
        var rstd = new float[s.N];
        var dx = new float[x.Length];
        var dweight = new float[s.C];
        var dbias = new float[s.C];

        TrainingOps.LayerNormForward(y, mean, rstd, x, weight, bias, s.N, s.C, eps);
        TrainingOps.LayerNormBackward(dx, dweight, dbias, projection, x, weight, mean, rstd, s.N, s.C);

        double[] x64 = GradientCheck.ToDouble(x), weight64 = GradientCheck.ToDouble(weight), bias64 = GradientCheck.ToDouble(bias);
        double Loss() => GradientCheck.Project(Float64Training.LayerNorm(x64, weight64, bias64, s.N, s.C, eps), projection);
        Check("dinput", x64, dx, Loss, 5);
        Check("dweight", weight64, dweight, Loss, 6);
        Check("dbias", bias64, dbias, Loss, 7);
    }

    [Fact]
    public void Layernorm_forward_gives_the_same_bits_as_the_inference_op()
    {
        const int N = 9, C = 48;
        float[] x = GradientCheck.RandomFloats(N * C, 1, scale: 3f), weight = GradientCheck.RandomFloats(C, 2), bias = GradientCheck.RandomFloats(C, 3);
        var training = new float[N * C];
        var inference = new float[N * C];

        TrainingOps.LayerNormForward(training, new float[N], new float[N], x, weight, bias, N, C, 1e-5f);
        CpuOps.LayerNormForward(inference, x, weight, bias, N, C, 1e-5f);

        Assert.Equal(inference, training);
    }

    public static TheoryData<Shape, bool> MatmulShapes() => new()
    {
        { new Shape(B: 1, T: 3, C: 5, OC: 7), true },
        { new Shape(B: 1, T: 7, C: 19, OC: 6), false },   // rows and columns past the last full register tile
        { new Shape(B: 2, T: 8, C: 32, OC: 40), true },   // whole tiles only
        { new Shape(B: 2, T: 33, C: 48, OC: 96), true },  // enough work for several threads
        { new Shape(B: 1, T: 300, C: 16, OC: 3), true },  // a reduction over more rows than one slice
    };

    [Theory]
    [MemberData(nameof(MatmulShapes))]
    public void Matmul_gradients_match_finite_differences(Shape s, bool withBias)
    {
        float[] x = GradientCheck.RandomFloats(s.N * s.C, 1), weight = GradientCheck.RandomFloats(s.OC * s.C, 2);
        float[]? bias = withBias ? GradientCheck.RandomFloats(s.OC, 3) : null;
        float[] projection = GradientCheck.RandomFloats(s.N * s.OC, 4);
        var dx = new float[x.Length];
        var dweight = new float[weight.Length];
        var dbias = new float[s.OC];

        TrainingOps.MatmulBackward(dx, dweight, withBias ? dbias : Memory<float>.Empty, projection, x, weight, s.N, s.C, s.OC);

        double[] x64 = GradientCheck.ToDouble(x), weight64 = GradientCheck.ToDouble(weight);
        double[]? bias64 = bias is null ? null : GradientCheck.ToDouble(bias);
        double Loss() => GradientCheck.Project(Float64Training.Linear(x64, weight64, bias64, s.N, s.C, s.OC), projection);
        Check("dinput", x64, dx, Loss, 5);
        Check("dweight", weight64, dweight, Loss, 6);
        if (bias64 is not null)
        {
            Check("dbias", bias64, dbias, Loss, 7);
        }
        else
        {
            Assert.All(dbias, d => Assert.Equal(0f, d));
        }
    }

    [Fact]
    public void Matmul_backward_adds_to_the_gradients_it_is_given()
    {
        const int N = 6, C = 20, OC = 18;
        float[] x = GradientCheck.RandomFloats(N * C, 1), weight = GradientCheck.RandomFloats(OC * C, 2), dout = GradientCheck.RandomFloats(N * OC, 3);
        float[] dxOnce = new float[N * C], dwOnce = new float[OC * C], dbOnce = new float[OC];
        TrainingOps.MatmulBackward(dxOnce, dwOnce, dbOnce, dout, x, weight, N, C, OC);
        float[] dxTwice = (float[])dxOnce.Clone(), dwTwice = (float[])dwOnce.Clone(), dbTwice = (float[])dbOnce.Clone();

        TrainingOps.MatmulBackward(dxTwice, dwTwice, dbTwice, dout, x, weight, N, C, OC);

        Assert.Equal(dxOnce.Select(v => 2 * v), dxTwice);
        Assert.Equal(dwOnce.Select(v => 2 * v), dwTwice);
        Assert.Equal(dbOnce.Select(v => 2 * v), dbTwice);
    }

    public static TheoryData<Shape> AttentionShapes() => new(
        new Shape(B: 1, T: 1, C: 4, NH: 2),
        new Shape(B: 2, T: 5, C: 12, NH: 3),
        new Shape(B: 2, T: 9, C: 16, NH: 1),
        new Shape(B: 3, T: 16, C: 32, NH: 4),   // enough work for several threads
        new Shape(B: 1, T: 80, C: 16, NH: 2));  // long rows: most probabilities are small

    [Theory]
    [MemberData(nameof(AttentionShapes))]
    public void Attention_gradients_match_finite_differences(Shape s)
    {
        float[] qkv = GradientCheck.RandomFloats(s.N * 3 * s.C, 1, scale: 1.5f);
        float[] projection = GradientCheck.RandomFloats(s.N * s.C, 2);
        var y = new float[s.N * s.C];
        var att = new float[s.B * s.NH * s.T * s.T];
        var dqkv = new float[qkv.Length];

        TrainingOps.AttentionForward(y, att, qkv, s.B, s.T, s.C, s.NH);
        TrainingOps.AttentionBackward(dqkv, projection, qkv, att, s.B, s.T, s.C, s.NH);

        double[] qkv64 = GradientCheck.ToDouble(qkv);
        double Loss() => GradientCheck.Project(Float64Training.Attention(qkv64, s.B, s.T, s.C, s.NH), projection);
        Check("dqkv", qkv64, dqkv, Loss, 3);
    }

    [Theory]
    [MemberData(nameof(AttentionShapes))]
    public void Attention_forward_matches_float64_and_keeps_a_causal_softmax(Shape s)
    {
        float[] qkv = GradientCheck.RandomFloats(s.N * 3 * s.C, 1, scale: 1.5f);
        var y = new float[s.N * s.C];
        var att = new float[s.B * s.NH * s.T * s.T];
        att.AsSpan().Fill(float.NaN);  // every entry must be written, the future ones as 0

        TrainingOps.AttentionForward(y, att, qkv, s.B, s.T, s.C, s.NH);

        double[] expected = Float64Training.Attention(GradientCheck.ToDouble(qkv), s.B, s.T, s.C, s.NH);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5, $"output[{i}] = {y[i]}, float64 gives {expected[i]}");
        }
        for (int row = 0; row < s.B * s.NH * s.T; row++)
        {
            int t = row % s.T;
            Span<float> probabilities = att.AsSpan(row * s.T, s.T);
            Assert.InRange(probabilities[..(t + 1)].ToArray().Sum(), 1 - 1e-5, 1 + 1e-5);
            Assert.All(probabilities[(t + 1)..].ToArray(), p => Assert.Equal(0f, p));
        }
    }

    [Fact]
    public void Gelu_gradient_matches_finite_differences_across_its_range()
    {
        // From the flat negative tail through the curved middle to the linear positive side.
        float[] x = Enumerable.Range(0, 161).Select(i => -8f + 0.1f * i).ToArray();
        float[] projection = GradientCheck.RandomFloats(x.Length, 1);
        var dx = new float[x.Length];

        TrainingOps.GeluBackward(dx, x, projection, x.Length);

        double[] x64 = GradientCheck.ToDouble(x);
        Check("dinput", x64, dx, () => GradientCheck.Project(Float64Training.Gelu(x64), projection), 2);
    }

    [Fact]
    public void Gelu_forward_matches_float64_and_stays_finite_for_huge_inputs()
    {
        float[] x = [-1e30f, -3e13f, -20f, -1f, 0f, 0.5f, 3f, 20f, 3e13f, 1e30f, float.MaxValue, -float.MaxValue];
        var y = new float[x.Length];
        var dx = new float[x.Length];

        TrainingOps.GeluForward(y, x, x.Length);
        TrainingOps.GeluBackward(dx, x, Enumerable.Repeat(1f, x.Length).ToArray(), x.Length);

        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Abs(x[i]) > 1e10 ? Math.Max(x[i], 0) : Float64Training.Gelu(x[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"gelu({x[i]}) = {y[i]}, expected {expected}");
            Assert.True(float.IsFinite(dx[i]), $"gelu'({x[i]}) = {dx[i]}");
        }
        Assert.Equal(1f, dx[^4]);
        Assert.Equal(0f, dx[0]);
    }

    [Fact]
    public void Residual_passes_the_gradient_to_both_inputs()
    {
        const int N = 37;
        float[] a = GradientCheck.RandomFloats(N, 1), b = GradientCheck.RandomFloats(N, 2), projection = GradientCheck.RandomFloats(N, 3);
        var da = new float[N];
        var db = new float[N];

        TrainingOps.ResidualBackward(da, db, projection, N);

        double[] a64 = GradientCheck.ToDouble(a), b64 = GradientCheck.ToDouble(b);
        double Loss() => GradientCheck.Project(Float64Training.Add(a64, b64), projection);
        Check("dinp1", a64, da, Loss, 4);
        Check("dinp2", b64, db, Loss, 5);
    }

    public static TheoryData<Shape> CrossEntropyShapes() => new(new Shape(B: 1, T: 1, C: 0, V: 2), new Shape(B: 2, T: 5, C: 0, V: 11), new Shape(B: 1, T: 4, C: 0, V: 256));

    [Theory]
    [MemberData(nameof(CrossEntropyShapes))]
    public void Softmax_cross_entropy_gradient_matches_finite_differences(Shape s)
    {
        float[] logits = GradientCheck.RandomFloats(s.N * s.V, 1, scale: 4f);
        int[] targets = Enumerable.Range(0, s.N).Select(n => n * 7 % s.V).ToArray();
        float[] dlosses = GradientCheck.RandomFloats(s.N, 2);
        var losses = new float[s.N];
        var probs = new float[s.N * s.V];
        var dlogits = new float[logits.Length];

        TrainingOps.SoftmaxCrossEntropyForward(losses, probs, logits, targets, s.N, s.V);
        TrainingOps.SoftmaxCrossEntropyBackward(dlogits, dlosses, probs, targets, s.N, s.V);

        double[] logits64 = GradientCheck.ToDouble(logits);
        double[] expectedLosses = Float64Training.CrossEntropy(logits64, targets, s.N, s.V);
        for (int n = 0; n < s.N; n++)
        {
            Assert.True(Math.Abs(losses[n] - expectedLosses[n]) <= 1e-5 * Math.Max(1, expectedLosses[n]), $"loss[{n}] = {losses[n]}, float64 gives {expectedLosses[n]}");
        }
        Check("dlogits", logits64, dlogits, () => GradientCheck.Project(Float64Training.CrossEntropy(logits64, targets, s.N, s.V), dlosses), 3);
    }

    [Fact]
    public void Cross_entropy_of_a_hopeless_prediction_is_large_but_finite()
    {
        // The target's probability underflows to 0 in float32; the loss must still be the exact logit gap.
        float[] logits = [200f, 0f, -100f];
        var losses = new float[1];
        var probs = new float[3];

        TrainingOps.SoftmaxCrossEntropyForward(losses, probs, logits, [2], 1, 3);

        Assert.Equal(300f, losses[0], 1e-3f);
        Assert.Equal(0f, probs[2]);
    }
}
