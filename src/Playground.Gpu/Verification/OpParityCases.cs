// The per-op parity table: each case runs one shader and its CPU reference twin on the same seeded inputs.
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;
using Playground.Model.Numerics;
using Playground.Model.Reference;
using Silk.NET.OpenGL;

namespace Playground.Gpu.Verification;

/// <summary>One row of the table: an op at one shape. The name says both, e.g. <c>layernorm(T=7,C=48)</c>.</summary>
public sealed record OpCase(string Op, string Shape, ParityTolerance Tolerance, Func<OpCase, GpuKernels, ParityResult> Run)
{
    public string Name => $"{Op}({Shape})";
    public override string ToString() => Name;
}

/// <summary>
/// Builds the table of op cases. The shapes cover odd sizes on purpose: C not a multiple of 4 or 64, one head,
/// T=1 (decode), T at n_positions, a vocabulary that is not a multiple of 64, and row counts on both sides of
/// the matmul's switch from the matvec kernel to the tiled one. `verify` adds the shapes of the model at hand.
/// </summary>
public static class OpParityCases
{
    /// <summary>
    /// The KV cache length the standard table's cases assume: their attention reaches position 15, so the shader set
    /// that runs them must be compiled for at least this many positions.
    /// </summary>
    public const int StandardMaxPositions = 16;

    public static IReadOnlyList<OpCase> Standard()
    {
        var cases = new List<OpCase>();
        foreach (var (T, C, V, pos0) in new[] { (1, 48, 97, 0), (7, 48, 97, 3), (5, 30, 97, 11), (16, 64, 50, 0) })
            cases.Add(Encoder(T, C, V, pos0, maxT: StandardMaxPositions));
        foreach (var (T, C) in new[] { (1, 48), (7, 48), (5, 30), (3, 768), (16, 130) })
            cases.Add(LayerNorm(T, C));
        foreach (var (T, C, OC) in new[] { (1, 48, 144), (3, 30, 97), (4, 48, 48), (5, 48, 192), (7, 130, 67), (64, 64, 64), (65, 48, 97), (130, 192, 48) })
        {
            cases.Add(Matmul(T, C, OC, bias: true));
        }
        cases.Add(Matmul(1, 48, 97, bias: false));
        cases.Add(Matmul(9, 30, 97, bias: false));
        cases.Add(LmHead(T: 1, C: 48, V: 97, storageLimitBytes: 4096));
        cases.Add(LmHead(T: 6, C: 30, V: 97, storageLimitBytes: 2048));
        foreach (var (T, C, pos0) in new[] { (1, 48, 15), (7, 30, 0), (16, 48, 0) })
            cases.Add(KvCacheWrite(T, C, pos0, maxT: StandardMaxPositions));
        foreach (var (T, C, NH, pos0, scale) in new[] { (1, 48, 3, 0, 1f), (7, 48, 3, 0, 1f), (1, 48, 1, 15, 1f), (16, 48, 3, 0, 1f), (5, 30, 5, 3, 1f), (4, 64, 2, 9, 1f), (3, 48, 3, 4, 12f) })
            cases.Add(Attention(T, C, NH, pos0, maxT: StandardMaxPositions, scale));
        foreach (var (N, scale) in new[] { (1, 1f), (1000, 3f), (4099, 30f) })
            cases.Add(Gelu(N, scale));
        foreach (int N in new[] { 1, 48 * 7, 4099 })
            cases.Add(Residual(N));
        return cases;
    }

    /// <summary>Cases at the shapes a given model uses, for `verify`.</summary>
    public static IReadOnlyList<OpCase> ForModel(Playground.Model.GptConfig config, int promptTokens)
    {
        ArgumentNullException.ThrowIfNull(config);
        int C = config.NEmbd, T = Math.Clamp(promptTokens, 1, config.NPositions), maxT = config.NPositions;
        return
        [
            Encoder(T, C, config.VocabSize, 0, maxT),
            LayerNorm(T, C),
            Matmul(T, C, 3 * C, bias: true),
            Matmul(1, C, 3 * C, bias: true),
            KvCacheWrite(T, C, 0, maxT),
            Attention(T, C, config.NHead, 0, maxT, 1f),
            Attention(1, C, config.NHead, maxT - 1, maxT, 1f),
            Matmul(T, 4 * C, C, bias: true),
            Gelu(T * 4 * C, 3f),
            Residual(T * C),
            LmHead(1, C, config.VocabSize, storageLimitBytes: null),
        ];
    }

    public static OpCase Encoder(int T, int C, int V, int pos0, int maxT) =>
        new("encoder", $"T={T},C={C},V={V},pos0={pos0}", ParityTolerance.Elementwise, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            int[] tokens = Enumerable.Range(0, T).Select(_ => rng.Next(V)).ToArray();
            tokens[0] = V - 1;  // the last vocabulary row, the one a split is most likely to get wrong
            float[] wte = Normal(rng, V * C), wpe = Normal(rng, maxT * C);
            var expected = new float[T * C];
            CpuOps.EncoderForward(expected, tokens, wte, wpe, pos0, T, C);
            using var gTokens = GlBuffer.Create<int>(gl, tokens, "tokens");
            using var gWte = GlBuffer.Create<float>(gl, wte, "wte");
            using var gWpe = GlBuffer.Create<float>(gl, wpe, "wpe");
            using var gOut = new GlBuffer(gl, T * C * 4L, "out");
            k.EncoderForward(gOut, gTokens, gWte, gWpe, pos0, T, C, V);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(T * C), c.Tolerance);
        });

    public static OpCase LayerNorm(int T, int C) =>
        new("layernorm", $"T={T},C={C}", ParityTolerance.Elementwise, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            // An offset of 3 makes the mean matter, as in a real residual stream.
            float[] inp = Normal(rng, T * C, 2f, 3f), weight = Normal(rng, C, 0.5f, 1f), bias = Normal(rng, C, 0.5f);
            var expected = new float[T * C];
            CpuOps.LayerNormForward(expected, inp, weight, bias, T, C, 1e-5f);
            using var gIn = GlBuffer.Create<float>(gl, inp, "inp");
            using var gW = GlBuffer.Create<float>(gl, weight, "weight");
            using var gB = GlBuffer.Create<float>(gl, bias, "bias");
            using var gOut = new GlBuffer(gl, T * C * 4L, "out");
            k.LayerNormForward(gOut, gIn, gW, gB, T, C, 1e-5f);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(T * C), c.Tolerance);
        });

    public static OpCase Matmul(int T, int C, int OC, bool bias) =>
        new(bias ? "matmul" : "matmul_nobias", $"T={T},C={C},OC={OC}", ParityTolerance.Reduction, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] inp = Normal(rng, T * C), weight = Normal(rng, OC * C, 0.2f), b = bias ? Normal(rng, OC) : [];
            var expected = new float[T * OC];
            CpuOps.MatmulForward(expected, inp, weight, b, T, C, OC);
            using var gIn = GlBuffer.Create<float>(gl, inp, "inp");
            using var gW = GlBuffer.Create<float>(gl, weight, "weight");
            using var gB = bias ? GlBuffer.Create<float>(gl, b, "bias") : null;
            using var gOut = new GlBuffer(gl, T * OC * 4L, "out");
            k.MatmulForward(gOut, gIn, gW, gB, T, C, OC);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(T * OC), c.Tolerance);
        });

    /// <summary>The lm_head over a wte that is split into row ranges because it exceeds the (test-lowered) storage block limit.</summary>
    public static OpCase LmHead(int T, int C, int V, long? storageLimitBytes) =>
        new("lm_head", $"T={T},C={C},V={V}" + (storageLimitBytes is { } l ? $",limit={l}B" : ""), ParityTolerance.Reduction, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] inp = Normal(rng, T * C), wte = Normal(rng, V * C, 0.2f);
            var expected = new float[T * V];
            CpuOps.MatmulForward(expected, inp, wte, ReadOnlyMemory<float>.Empty, T, C, V);
            using var limited = storageLimitBytes is null ? null : new GpuKernels(k.Device, k.Shaders, storageLimitBytes, ownsShaders: false);
            GpuKernels kernels = limited ?? k;
            using var gIn = GlBuffer.Create<float>(gl, inp, "inp");
            using var gW = GlBuffer.Create<float>(gl, wte, "wte");
            using var gOut = new GlBuffer(gl, T * V * 4L, "logits");
            kernels.LmHeadForward(gOut, gIn, gW, T, C, V);
            if (storageLimitBytes is not null && kernels.RowChunks(V, C).Count() < 2)
                throw new InvalidOperationException($"{c.Name}: the limit of {storageLimitBytes} bytes does not split wte, so the case tests nothing");
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(T * V), c.Tolerance);
        });

    public static OpCase KvCacheWrite(int T, int C, int pos0, int maxT) =>
        new("kvcache_write", $"T={T},C={C},pos0={pos0}", ParityTolerance.Elementwise, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] qkv = Normal(rng, T * 3 * C), kCache = Normal(rng, maxT * C), vCache = Normal(rng, maxT * C);
            using var gQkv = GlBuffer.Create<float>(gl, qkv, "qkv");
            using var gK = GlBuffer.Create<float>(gl, kCache, "k");
            using var gV = GlBuffer.Create<float>(gl, vCache, "v");
            CpuOps.KvCacheWrite(kCache, vCache, qkv, pos0, T, C);
            k.KvCacheWrite(gK, gV, gQkv, pos0, T, C);
            float[] expected = [.. kCache, .. vCache], actual = [.. gK.DownloadFloats(maxT * C), .. gV.DownloadFloats(maxT * C)];
            return Parity.Compare(c.Name, expected, actual, c.Tolerance);
        });

    /// <summary>Attention over a cache holding pos0+T rows; <paramref name="scale"/> inflates q and k so that scores reach the hundreds.</summary>
    public static OpCase Attention(int T, int C, int NH, int pos0, int maxT, float scale) =>
        new("attention", $"T={T},C={C},NH={NH},pos0={pos0}" + (scale != 1f ? $",scale={scale}" : ""), ParityTolerance.Reduction, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] qkv = Normal(rng, T * 3 * C, scale);
            float[] kCache = Normal(rng, maxT * C, scale), vCache = Normal(rng, maxT * C);
            CpuOps.KvCacheWrite(kCache, vCache, qkv, pos0, T, C);
            var expected = new float[T * C];
            CpuOps.AttentionForward(expected, qkv, kCache, vCache, pos0, T, C, NH);
            using var gQkv = GlBuffer.Create<float>(gl, qkv, "qkv");
            using var gK = GlBuffer.Create<float>(gl, kCache, "k");
            using var gV = GlBuffer.Create<float>(gl, vCache, "v");
            using var gScratch = new GlBuffer(gl, (long)T * NH * maxT * 4, "scratch");
            using var gOut = new GlBuffer(gl, T * C * 4L, "out");
            k.AttentionForward(gOut, gQkv, gK, gV, gScratch, pos0, T, C, NH, maxT);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(T * C), c.Tolerance);
        });

    /// <summary>gelu on values of spread <paramref name="scale"/>, plus the extremes ±30 and ±1e4 where a naive tanh returns NaN.</summary>
    public static OpCase Gelu(int N, float scale) =>
        new("gelu", $"N={N},scale={scale}", ParityTolerance.Elementwise, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] inp = Normal(rng, N, scale);
            float[] extremes = [30f, -30f, 1e4f, -1e4f, 9f, -9f];
            for (int i = 0; i < Math.Min(N, extremes.Length); i++) inp[i] = extremes[i];
            var expected = new float[N];
            CpuOps.GeluForward(expected, inp, N);
            using var gIn = GlBuffer.Create<float>(gl, inp, "inp");
            using var gOut = new GlBuffer(gl, N * 4L, "out");
            k.GeluForward(gOut, gIn, N);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(N), c.Tolerance);
        });

    public static OpCase Residual(int N) =>
        new("residual", $"N={N}", ParityTolerance.Elementwise, (c, k) =>
        {
            GL gl = k.Device.Gl;
            var rng = new Random(Seed(c));
            float[] a = Normal(rng, N), b = Normal(rng, N);
            var expected = new float[N];
            CpuOps.ResidualForward(expected, a, b, N);
            using var gA = GlBuffer.Create<float>(gl, a, "a");
            using var gB = GlBuffer.Create<float>(gl, b, "b");
            using var gOut = new GlBuffer(gl, N * 4L, "out");
            k.ResidualForward(gOut, gA, gB, N);
            return Parity.Compare(c.Name, expected, gOut.DownloadFloats(N), c.Tolerance);
        });

    // A stable seed per case name, so every case has its own inputs and a rerun has the same ones.
    private static int Seed(OpCase c)
    {
        int hash = 17;
        foreach (char ch in c.Name) hash = unchecked(hash * 31 + ch);
        return hash;
    }

    private static float[] Normal(Random rng, int n, float std = 1f, float mean = 0f) => Gaussian.Samples(rng, n, std, mean);
}
