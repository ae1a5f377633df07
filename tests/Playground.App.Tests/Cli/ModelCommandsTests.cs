// `logits`, `info`, `verify`, `bench` and `random-model`, and how the CLI reports broken input.
using Playground.Model;
using Playground.Model.IO;
using Playground.Model.Reference;

namespace Playground.App.Tests.Cli;

public sealed class ModelCommandsTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("gpu")]
    public void Logits_npy_holds_every_position_and_matches_the_reference(string backend)
    {
        using var model = TempModel.Small();
        string npy = Path.Combine(model.Folder, "logits.npy");
        var r = CliRun.Run("logits", "--model", model.Folder, "--tokens", "3,1,4,1,5,9", "--backend", backend, "--out", npy);
        Assert.True(r.ExitCode == 0, r.ToString());
        var (data, shape) = NpyReader.ReadFloat32(npy);
        Assert.Equal([6, 256], shape);
        using var cpu = new CpuGptRunner(model.Weights);
        float[] expected = cpu.Forward([3, 1, 4, 1, 5, 9], allPositions: true);
        float maxLogit = expected.Max(MathF.Abs);
        Assert.True(data.Zip(expected, (a, b) => MathF.Abs(a - b)).Max() <= 1e-4f * maxLogit);
    }

    [Fact]
    public void Info_describes_config_size_tokenizer_and_gpu()
    {
        using var model = TempModel.Small();
        var r = CliRun.Run("info", "--model", model.Folder);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("n_layer=2 n_head=3 n_embd=48 n_positions=64 vocab_size=256", r.Stdout);
        Assert.Contains(model.Config.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), r.Stdout);
        Assert.Contains("F32", r.Stdout);
        Assert.Contains("tokenizer    bytes", r.Stdout);
        // The renderer and GL version, not the "none: no OpenGL 4.3 core context ..." line of a machine without one.
        Assert.Matches(@"gpu +\S.* \| [0-9]\.[0-9].* via EGL (device|surfaceless)", r.Stdout);
    }

    [Fact]
    public void Verify_prints_a_passing_table_with_the_renderer()
    {
        using var model = TempModel.Small();
        var r = CliRun.Run("verify", "--model", model.Folder, "--greedy-tokens", "8");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("renderer: ", r.Stdout);
        Assert.Matches(@"attention +\(T=1,C=48,NH=3,pos0=63\) +\S+ +\S+ +pass", r.Stdout);
        Assert.Contains("greedy", r.Stdout);
        Assert.DoesNotContain("FAIL", r.Stdout);
    }

    [Fact]
    public void Verify_fails_with_exit_1_on_a_broken_shader_folder()
    {
        using var model = TempModel.Small();
        string shaders = model.CopyOfShaders();
        string gelu = Path.Combine(shaders, "gelu.comp");
        File.WriteAllText(gelu, File.ReadAllText(gelu).Replace("dst[i] = 0.5 * x * (1.0 + tanh(u));", "dst[i] = x;", StringComparison.Ordinal));
        var r = CliRun.Run("verify", "--model", model.Folder, "--shaders", shaders, "--greedy-tokens", "4");
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"gelu +\(N=1000,scale=3\) .* FAIL", r.Stdout);
        Assert.Contains("checks FAILED", r.Stdout);
    }

    [Fact]
    public void A_shader_that_does_not_compile_is_reported_with_file_and_line()
    {
        using var model = TempModel.Small();
        string shaders = model.CopyOfShaders();
        string residual = Path.Combine(shaders, "residual.comp");
        string[] lines = File.ReadAllLines(residual);
        int line = Array.FindIndex(lines, l => l.Contains("GRID_STRIDE_LOOP", StringComparison.Ordinal)) + 1;
        lines[line - 1] = "    this is not glsl;";
        File.WriteAllLines(residual, lines);
        var r = CliRun.Run("generate", "--model", model.Folder, "--shaders", shaders, "--tokens", "1", "--backend", "gpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"residual.comp:{line}:", r.Stderr);
    }

    [Fact]
    public void Bench_prints_prefill_and_decode_speeds_and_gpu_passes()
    {
        using var model = TempModel.Small();
        var r = CliRun.Run("bench", "--model", model.Folder, "--backend", "gpu", "--prompt-tokens", "8", "--decode-tokens", "4");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"prefill +8 tokens in [0-9.]+ ms", r.Stdout);
        Assert.Matches(@"decode +4 tokens in [0-9.]+ ms = [0-9.]+ tokens/s", r.Stdout);
        foreach (string pass in new[] { "Embed", "LayerNorm", "Qkv", "Attention", "Proj", "Mlp", "LmHead" }) Assert.Contains(pass, r.Stdout);
    }

    [Fact]
    public void Random_model_writes_a_loadable_checkpoint()
    {
        string folder = Path.Combine(Path.GetTempPath(), "playground-random-" + Guid.NewGuid().ToString("N"));
        try
        {
            var r = CliRun.Run("random-model", "--out", folder, "--layers", "1", "--heads", "2", "--embd", "8", "--ctx", "16", "--vocab", "256", "--seed", "3");
            Assert.True(r.ExitCode == 0, r.ToString());
            var info = CliRun.Run("info", "--model", folder);
            Assert.Contains("n_layer=1 n_head=2 n_embd=8 n_positions=16 vocab_size=256", info.Stdout);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Bench_runs_on_a_model_with_a_single_position()
    {
        using var model = new TempModel(new GptConfig(1, 1, 8, 1, 256));
        var r = CliRun.Run("bench", "--model", model.Folder, "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"prefill +1 tokens in", r.Stdout);
        Assert.Contains("decode   none: n_positions=1", r.Stdout);
    }

    [Fact]
    public void A_model_without_a_tokenizer_still_gives_info_and_logits()
    {
        // vocab_size 97 matches no built-in tokenizer, and none is in the folder: only text needs one.
        using var model = new TempModel(new GptConfig(1, 3, 48, 8, 97));
        var info = CliRun.Run("info", "--model", model.Folder);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("tokenizer    none: ", info.Stdout);

        string npy = Path.Combine(model.Folder, "logits.npy");
        var logits = CliRun.Run("logits", "--model", model.Folder, "--tokens", "96,0,5", "--backend", "cpu", "--out", npy);
        Assert.True(logits.ExitCode == 0, logits.ToString());
        Assert.Equal([3, 97], NpyReader.ReadFloat32(npy).Shape);

        var text = CliRun.Run("generate", "--model", model.Folder, "--tokens", "1", "--backend", "cpu");
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("matches no built-in tokenizer", text.Stderr);
    }

    [Fact]
    public void Verify_passes_on_a_model_with_fewer_positions_than_the_standard_table()
    {
        // The standard attention cases reach position 15; this model's own shaders are compiled for 8 positions.
        using var model = new TempModel(new GptConfig(1, 3, 48, 8, 97));
        var r = CliRun.Run("verify", "--model", model.Folder, "--greedy-tokens", "2");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"attention +\(T=1,C=48,NH=1,pos0=15\) +\S+ +\S+ +pass", r.Stdout);
        Assert.DoesNotContain("FAIL", r.Stdout);
    }

    [Theory]
    [InlineData(new[] { "info", "--model", "" }, "--model must not be empty")]
    [InlineData(new[] { "info", "--model", "  " }, "--model must not be empty")]
    [InlineData(new[] { "logits", "--tokens", "1", "--out", "" }, "--out must not be empty")]
    [InlineData(new[] { "random-model", "--out", "" }, "--out must not be empty")]
    [InlineData(new[] { "random-model", "--out", "{out}", "--std", "NaN", "--layers", "1", "--heads", "1", "--embd", "4", "--ctx", "4", "--vocab", "5" }, "--std")]
    [InlineData(new[] { "random-model", "--out", "{out}", "--std", "-1", "--layers", "1", "--heads", "1", "--embd", "4", "--ctx", "4", "--vocab", "5" }, "--std")]
    [InlineData(new[] { "random-model", "--out", "{out}", "--layers", "1", "--heads", "1", "--embd", "100000", "--vocab", "100000" }, "more than one array can")]
    public void Unusable_values_exit_2_with_one_clear_line(string[] args, string expected)
    {
        string folder = Path.Combine(Path.GetTempPath(), "playground-rejected-" + Guid.NewGuid().ToString("N"));
        try
        {
            var r = CliRun.Run([.. args.Select(a => a == "{out}" ? folder : a)]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(expected, r.Stderr);
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.False(Directory.Exists(folder), "a rejected random-model must write nothing");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_missing_model_exits_2_naming_it()
    {
        var r = CliRun.Run("info", "--model", "/nonexistent/model-folder");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/nonexistent/model-folder", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void A_truncated_checkpoint_exits_2_naming_the_file()
    {
        using var model = TempModel.Small();
        string weights = Path.Combine(model.Folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var r = CliRun.Run("generate", "--model", model.Folder, "--tokens", "1", "--backend", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("model.safetensors", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }
}
