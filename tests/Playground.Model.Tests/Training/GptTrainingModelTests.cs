// The whole model under training: its loss against float64, every parameter's gradient against finite differences.
using Playground.Model.Reference;
using Playground.Model.Training;
using Xunit.Abstractions;

namespace Playground.Model.Tests.Training;

public sealed class GptTrainingModelTests(ITestOutputHelper output)
{
    public sealed record TinyModel(int L, int NH, int C, int V, int B, int T, int NPositions, bool UntiedLmHead = false, int Seed = 1, bool Offsets = false)
    {
        /// <summary>With Offsets, sequence b starts at absolute position b (a short training sequence placed later in the context).</summary>
        public int[] FirstPositions => Offsets ? Enumerable.Range(0, B).ToArray() : [];

        public GptConfig Config => new(NLayer: L, NHead: NH, NEmbd: C, NPositions: NPositions, VocabSize: V);

        // Larger weights than a fresh model's make every op non-linear enough for its gradient to matter.
        public GptWeights CreateWeights() => RandomWeights.Create(Config, Seed, std: 0.3f, untiedLmHead: UntiedLmHead);

        public (int[] Inputs, int[] Targets) Batch()
        {
            var random = new Random(Seed + 100);
            int[] tokens = Enumerable.Range(0, B * T + 1).Select(_ => random.Next(V)).ToArray();
            return (tokens[..^1], tokens[1..]);
        }

        public override string ToString() =>
            $"gpt(L={L},NH={NH},C={C},V={V},B={B},T={T}{(T == NPositions ? "=n_positions" : "")}{(UntiedLmHead ? ",untied lm_head" : "")}{(Offsets ? ",sequence b at position b" : "")})";
    }

    public static TheoryData<TinyModel> Models() => new(
        new TinyModel(L: 2, NH: 2, C: 8, V: 13, B: 2, T: 5, NPositions: 6),
        new TinyModel(L: 1, NH: 3, C: 12, V: 7, B: 1, T: 4, NPositions: 4, UntiedLmHead: true, Seed: 2),
        new TinyModel(L: 3, NH: 1, C: 4, V: 5, B: 3, T: 3, NPositions: 5, Seed: 3),
        new TinyModel(L: 1, NH: 2, C: 8, V: 11, B: 2, T: 70, NPositions: 70, Seed: 4),
        new TinyModel(L: 2, NH: 2, C: 8, V: 9, B: 3, T: 4, NPositions: 7, Seed: 5, Offsets: true));

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_parameter_gradient_matches_float64_finite_differences(TinyModel tiny)
    {
        var model = new GptTrainingModel(tiny.CreateWeights(), tiny.B, tiny.T);
        (int[] inputs, int[] targets) = tiny.Batch();
        model.Forward(inputs, targets, tiny.B, tiny.T, tiny.FirstPositions);
        model.ZeroGradients();
        model.Backward();

        double[][] parameters = model.Parameters.Select(p => GradientCheck.ToDouble(p.Values)).ToArray();
        int[]? first = tiny.Offsets ? tiny.FirstPositions : null;
        double Loss() => Float64Training.ModelLoss(tiny.Config, parameters, inputs, targets, tiny.B, tiny.T, first);
        var failures = new List<string>();
        for (int i = 0; i < parameters.Length; i++)
        {
            ParameterTensor p = model.Parameters[i];
            double error = GradientCheck.RelativeError(parameters[i], p.Gradient, Loss, Enumerable.Range(0, p.Values.Length));
            output.WriteLine($"{p.Name} ({string.Join('x', p.Shape)}): relative error {error:E2}");
            if (error > 1e-4)
            {
                failures.Add($"{p.Name}: {error:E2}");
            }
        }
        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Loss_matches_float64_and_the_inference_runner_logits(TinyModel tiny)
    {
        GptWeights weights = tiny.CreateWeights();
        var model = new GptTrainingModel(weights, tiny.B, tiny.T);
        (int[] inputs, int[] targets) = tiny.Batch();

        float loss = model.Forward(inputs, targets, tiny.B, tiny.T, tiny.FirstPositions);

        double[][] parameters = model.Parameters.Select(p => GradientCheck.ToDouble(p.Values)).ToArray();
        double expected = Float64Training.ModelLoss(tiny.Config, parameters, inputs, targets, tiny.B, tiny.T, tiny.Offsets ? tiny.FirstPositions : null);
        Assert.InRange(Math.Abs(loss - expected), 0, 1e-5 * expected);

        // Each sequence's per-position losses follow from the inference runner's logits too (which start at position 0).
        if (tiny.Offsets)
        {
            return;
        }
        using var runner = new CpuGptRunner(weights);
        for (int b = 0; b < tiny.B; b++)
        {
            runner.Reset();
            float[] logits = runner.Forward(inputs.AsSpan(b * tiny.T, tiny.T), allPositions: true);
            var rowLosses = new float[tiny.T];
            TrainingOps.SoftmaxCrossEntropyForward(rowLosses, new float[logits.Length], logits, targets.AsSpan(b * tiny.T, tiny.T), tiny.T, tiny.V);
            for (int t = 0; t < tiny.T; t++)
            {
                Assert.InRange(Math.Abs(model.Losses[b * tiny.T + t] - rowLosses[t]), 0, 1e-5);
            }
        }
    }

    [Fact]
    public void Backward_without_zeroing_adds_a_second_copy_of_the_gradient()
    {
        var tiny = new TinyModel(L: 1, NH: 2, C: 8, V: 11, B: 2, T: 4, NPositions: 4);
        var model = new GptTrainingModel(tiny.CreateWeights(), tiny.B, tiny.T);
        (int[] inputs, int[] targets) = tiny.Batch();
        model.Forward(inputs, targets, tiny.B, tiny.T);
        model.ZeroGradients();
        model.Backward();
        float[][] once = model.Parameters.Select(p => (float[])p.Gradient.Clone()).ToArray();

        model.Backward();

        // Ops that sum over rows (layernorm's gains, the embeddings) add row by row, so "twice" is exact only up
        // to rounding.
        for (int i = 0; i < once.Length; i++)
        {
            float[] twice = model.Parameters[i].Gradient;
            float scale = once[i].Max(MathF.Abs);
            for (int j = 0; j < twice.Length; j++)
            {
                Assert.True(Math.Abs(twice[j] - 2 * once[i][j]) <= 1e-5f * scale, $"{model.Parameters[i].Name}[{j}]: {twice[j]} after two passes, {once[i][j]} after one");
            }
        }
    }

    [Fact]
    public void A_smaller_batch_than_the_buffers_hold_gives_the_same_loss_as_a_model_sized_for_it()
    {
        var tiny = new TinyModel(L: 2, NH: 2, C: 8, V: 13, B: 2, T: 5, NPositions: 8);
        (int[] inputs, int[] targets) = tiny.Batch();
        var exact = new GptTrainingModel(tiny.CreateWeights(), 2, 5);
        var roomy = new GptTrainingModel(tiny.CreateWeights(), 4, 8);

        Assert.Equal(exact.Forward(inputs, targets, 2, 5), roomy.Forward(inputs, targets, 2, 5));
    }

    [Fact]
    public void Batches_that_do_not_fit_and_tokens_outside_the_vocabulary_are_rejected()
    {
        var tiny = new TinyModel(L: 1, NH: 1, C: 4, V: 5, B: 1, T: 3, NPositions: 3);
        var model = new GptTrainingModel(tiny.CreateWeights(), 1, 3);

        Assert.Throws<ArgumentException>(() => model.Forward(new int[8], new int[8], 2, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([0, 1, 5], [0, 1, 2], 1, 3));
        Assert.Throws<ArgumentException>(() => model.Forward([0, 1, 2], [0, 1, 2], 1, 3, [1]));  // positions 1..3, past n_positions=3
        Assert.Throws<InvalidOperationException>(model.Backward);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GptTrainingModel(tiny.CreateWeights(), 1, 4));
    }
}
