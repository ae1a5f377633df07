// Whole-model parity: the GPU runner against the CPU reference on random checkpoints of awkward shapes.
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Numerics;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Xunit.Abstractions;

namespace Playground.Gpu.Tests.Runtime;

public sealed class GpuGptRunnerTests(ITestOutputHelper output)
{
    public sealed record ModelCase(int Layers, int Heads, int C, int V, int MaxT, int Seed)
    {
        public GptConfig Config => new(Layers, Heads, C, MaxT, V, EosTokenId: null);
        public override string ToString() => $"gpt(L={Layers},H={Heads},C={C},V={V},maxT={MaxT})";
    }

    public static TheoryData<ModelCase> Models() =>
    [
        new ModelCase(2, 3, 48, 97, 32, 1),
        new ModelCase(1, 1, 30, 64, 24, 2),
        new ModelCase(3, 4, 64, 131, 80, 3),
        new ModelCase(2, 2, 36, 256, 40, 4),
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void Logits_at_every_position_match_the_cpu(ModelCase m)
    {
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed);
        int[] tokens = RandomTokens(m.MaxT, m.V, m.Seed);
        using var gpu = new HeadlessGpu();
        using var gpuRunner = new GpuGptRunner(gpu.Device, weights);
        using var cpuRunner = new CpuGptRunner(weights);
        float[] expected = cpuRunner.Forward(tokens, allPositions: true);
        float[] actual = gpuRunner.Forward(tokens, allPositions: true);
        AssertRelativeError(expected, actual, m.ToString());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Greedy_continuation_of_64_tokens_is_identical(ModelCase m)
    {
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed);
        int[] prompt = RandomTokens(4, m.V, m.Seed);
        int steps = Math.Min(64, m.MaxT - prompt.Length);
        using var gpu = new HeadlessGpu();
        using var gpuRunner = new GpuGptRunner(gpu.Device, weights);
        using var cpuRunner = new CpuGptRunner(weights);
        Assert.Equal(GreedyTokens(cpuRunner, prompt, steps), GreedyTokens(gpuRunner, prompt, steps));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Decode_with_the_kv_cache_matches_a_full_forward_on_the_gpu(ModelCase m)
    {
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed);
        int[] tokens = RandomTokens(m.MaxT, m.V, m.Seed + 100);
        using var gpu = new HeadlessGpu();
        using var runner = new GpuGptRunner(gpu.Device, weights);
        float[] full = runner.Forward(tokens, allPositions: true);
        runner.Reset();
        // A short prefill, then one token at a time up to the last position of the context.
        var decoded = new List<float>(runner.Forward(tokens.AsSpan(0, 3), allPositions: true));
        for (int t = 3; t < tokens.Length; t++) decoded.AddRange(runner.Forward(tokens.AsSpan(t, 1)));
        Assert.Equal(m.MaxT, runner.Position);
        AssertRelativeError(full, decoded.ToArray(), m + " decode vs full");
        Assert.Throws<ContextFullException>(() => runner.Forward([0]));
    }

    [Fact]
    public void Naive_kernels_give_the_same_logits()
    {
        var m = new ModelCase(2, 3, 48, 97, 32, 7);
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed);
        int[] tokens = RandomTokens(20, m.V, m.Seed);
        using var gpu = new HeadlessGpu();
        using var naive = new GpuGptRunner(gpu.Device, weights, new GpuRunnerOptions { Variant = KernelVariant.Naive });
        using var cpuRunner = new CpuGptRunner(weights);
        AssertRelativeError(cpuRunner.Forward(tokens, true), naive.Forward(tokens, true), "naive");
    }

    [Fact]
    public void A_wte_larger_than_the_storage_block_limit_is_split_and_still_exact()
    {
        // wte is 211 x 40 floats = 33,760 bytes; a 4 KiB limit splits it into 9 ranges, and all-position logits
        // (211 floats a row) into blocks of 4 rows.
        var m = new ModelCase(1, 2, 40, 211, 16, 9);
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed, untiedLmHead: false);
        int[] tokens = RandomTokens(16, m.V, m.Seed);
        tokens[0] = m.V - 1;
        using var gpu = new HeadlessGpu();
        using var split = new GpuGptRunner(gpu.Device, weights, new GpuRunnerOptions { StorageBlockLimit = 4096 });
        Assert.True(split.Kernels.RowChunks(m.V, m.C).Count() > 1);
        using var cpuRunner = new CpuGptRunner(weights);
        AssertRelativeError(cpuRunner.Forward(tokens, true), split.Forward(tokens, true), "split wte");
    }

    [Fact]
    public void An_untied_lm_head_is_used()
    {
        var m = new ModelCase(1, 2, 32, 50, 8, 11);
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed, untiedLmHead: true);
        int[] tokens = RandomTokens(8, m.V, m.Seed);
        using var gpu = new HeadlessGpu();
        using var gpuRunner = new GpuGptRunner(gpu.Device, weights);
        using var cpuRunner = new CpuGptRunner(weights);
        AssertRelativeError(cpuRunner.Forward(tokens, true), gpuRunner.Forward(tokens, true), "untied");
    }

    [Fact]
    public void A_context_too_long_for_shared_memory_is_refused_with_the_reason()
    {
        using var gpu = new HeadlessGpu();
        int maxT = gpu.Device.MaxSharedMemoryBytes / 4 + 1;
        GptWeights weights = RandomWeights.Create(new GptConfig(1, 1, 4, maxT, 8), seed: 1);
        var e = Assert.Throws<Playground.Gpu.Context.GpuUnavailableException>(() => new GpuGptRunner(gpu.Device, weights));
        Assert.Contains("shared memory", e.Message);
        Assert.Contains("--backend cpu", e.Message);
    }

    [Fact]
    public void Shaders_really_come_from_the_folder_given()
    {
        var m = new ModelCase(1, 2, 32, 50, 8, 12);
        GptWeights weights = RandomWeights.Create(m.Config, m.Seed);
        int[] tokens = RandomTokens(8, m.V, m.Seed);
        using var gpu = new HeadlessGpu();
        using var folder = new TempShaderFolder();
        float[] before;
        using (var runner = new GpuGptRunner(gpu.Device, weights, new GpuRunnerOptions { ShaderDirectory = folder.Path }))
            before = runner.Forward(tokens, true);
        folder.Edit("gelu.comp", "dst[i] = 0.5 * x * (1.0 + tanh(u));", "dst[i] = x;");
        using (var runner = new GpuGptRunner(gpu.Device, weights, new GpuRunnerOptions { ShaderDirectory = folder.Path }))
        {
            float[] after = runner.Forward(tokens, true);
            var diff = Parity.Compare("edited gelu", before, after, ParityTolerance.Reduction);
            Assert.False(diff.Pass, "editing gelu.comp in the --shaders folder did not change the logits");
        }
    }

    private void AssertRelativeError(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(actual, v => Assert.True(float.IsFinite(v), $"{what}: non-finite logit"));
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(expected[i] - actual[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        output.WriteLine($"{what}: max|err| {maxErr:E3} / max|logit| {maxRef:F3} = {maxErr / maxRef:E3}");
        Assert.True(maxErr / maxRef <= 1e-4, $"{what}: max|err|/max|logit| = {maxErr / maxRef:E3} > 1e-4\n{Parity.Compare(what, expected, actual, new ParityTolerance(0, maxRef * 1e-4))}");
    }

    private static int[] GreedyTokens(IGptRunner runner, int[] prompt, int steps)
    {
        var result = new List<int>();
        float[] logits = runner.Forward(prompt);
        for (int i = 0; i < steps; i++)
        {
            int next = Sampler.Argmax(logits);
            result.Add(next);
            if (i + 1 < steps) logits = runner.Forward([next]);
        }
        return [.. result];
    }

    private static int[] RandomTokens(int count, int vocab, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(vocab)).ToArray();
    }
}
