// `playground generate`: the streamed text, the JSON contract, backends agreeing, and stopping rules.
using System.Text.Json;
using Playground.Model;
using Playground.Model.Checkpoints;

namespace Playground.App.Tests.Cli;

public sealed class GenerateCommandTests
{
    private static JsonElement LastJsonLine(CliResult r)
    {
        string last = r.Stdout.TrimEnd().Split('\n')[^1];
        return JsonDocument.Parse(last).RootElement;
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void Json_summary_has_the_contracted_fields()
    {
        using var model = TempModel.Small();
        var r = CliRun.Run("generate", "--model", model.Folder, "--prompt", "Hi there", "--max-tokens", "12", "--json", "--backend", "cpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        JsonElement json = LastJsonLine(r);
        Assert.Equal("Hi there"u8.ToArray().Select(b => (int)b), Ints(json.GetProperty("prompt_tokens")));
        Assert.Equal(12, json.GetProperty("tokens").GetArrayLength());
        Assert.Equal("cpu", json.GetProperty("backend").GetString());
        Assert.True(json.GetProperty("prefill_ms").GetDouble() >= 0);
        Assert.True(json.GetProperty("decode_tokens_per_s").GetDouble() > 0);
        // The streamed text is what the JSON reports, printed before it.
        string text = json.GetProperty("text").GetString()!;
        Assert.StartsWith(text, r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "0", "1", "0")]
    [InlineData("0.9", "20", "0.95", "7")]
    [InlineData("1.3", "0", "1", "3")]
    public void Gpu_and_cpu_generate_the_same_tokens(string temperature, string topK, string topP, string seed)
    {
        using var model = TempModel.Small(seed: 5);
        string[] Args(string backend) => ["generate", "--model", model.Folder, "--tokens", "10,20,30", "-n", "40", "--json",
            "--temperature", temperature, "--top-k", topK, "--top-p", topP, "--seed", seed, "--backend", backend];
        var cpu = CliRun.Run(Args("cpu"));
        var gpu = CliRun.Run(Args("gpu"));
        Assert.True(cpu.ExitCode == 0, cpu.ToString());
        Assert.True(gpu.ExitCode == 0, gpu.ToString());
        Assert.Equal("gpu", LastJsonLine(gpu).GetProperty("backend").GetString());
        Assert.Equal(Ints(LastJsonLine(cpu).GetProperty("tokens")), Ints(LastJsonLine(gpu).GetProperty("tokens")));
    }

    [Fact]
    public void Same_seed_same_tokens_other_seed_other_tokens()
    {
        using var model = TempModel.Small();
        int[] Tokens(string seed) => Ints(LastJsonLine(CliRun.Run("generate", "--model", model.Folder, "--tokens", "1,2", "-n", "30", "--json",
            "--temperature", "1.5", "--seed", seed, "--backend", "cpu")).GetProperty("tokens"));
        Assert.Equal(Tokens("11"), Tokens("11"));
        Assert.NotEqual(Tokens("11"), Tokens("12"));
    }

    [Fact]
    public void Generation_stops_at_the_end_of_the_context_with_a_message()
    {
        using var model = TempModel.Small();
        string prompt = string.Join(',', Enumerable.Range(0, model.Config.NPositions - 3));
        var r = CliRun.Run("generate", "--model", model.Folder, "--tokens", prompt, "-n", "50", "--json", "--backend", "gpu");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("context is full", r.Stderr);
        var json = LastJsonLine(r);
        Assert.Equal("ContextFull", json.GetProperty("stop_reason").GetString());
        // Positions 61, 62 and 63 each predict a token, and the prediction made at the last position is kept too.
        Assert.Equal(model.Config.NPositions - (model.Config.NPositions - 3) + 1, json.GetProperty("tokens").GetArrayLength());
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_a_clear_error()
    {
        using var model = TempModel.Small();
        string prompt = string.Join(',', Enumerable.Range(0, model.Config.NPositions + 1).Select(i => i % 256));
        var r = CliRun.Run("generate", "--model", model.Folder, "--tokens", prompt, "--backend", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("n_positions", r.Stderr);
    }

    [Fact]
    public void Stops_at_eos_when_the_model_has_one()
    {
        // A GPT-2-vocabulary model rigged to predict <|endoftext|>: with ln_f's gain 0 and bias 1 every position ends as
        // the all-ones vector, so each logit is the sum of its wte row. Row 50256 sums to 160; the others, sums of 16
        // draws of std 0.2, stay within a few units. Greedy decoding must pick it first and stop without printing it.
        var config = new GptConfig(1, 2, 16, 32, 50257, EosTokenId: 50256);
        using var model = new TempModel(config);
        Array.Fill(model.Weights.LnFWeight, 0f);
        Array.Fill(model.Weights.LnFBias, 1f);
        model.Weights.TokenEmbedding.AsSpan(50256 * config.NEmbd, config.NEmbd).Fill(10f);
        GptCheckpoint.Save(model.Weights, model.Folder);

        var r = CliRun.Run("generate", "--model", model.Folder, "--prompt", "Hello world", "-n", "5", "--json", "--backend", "gpu");

        Assert.True(r.ExitCode == 0, r.ToString());
        var json = LastJsonLine(r);
        Assert.Equal([15496, 995], Ints(json.GetProperty("prompt_tokens")));
        Assert.Empty(Ints(json.GetProperty("tokens")));
        Assert.Equal("Eos", json.GetProperty("stop_reason").GetString());
        Assert.DoesNotContain("<|endoftext|>", r.Stdout);
    }

    [Theory]
    [InlineData(new[] { "generate", "--prompt", "x", "--tokens", "1" }, "exactly one of --prompt and --tokens")]
    [InlineData(new[] { "generate" }, "exactly one of --prompt and --tokens")]
    [InlineData(new[] { "generate", "--tokens", "1,x" }, "'x' is not a token id")]
    [InlineData(new[] { "generate", "--tokens", "1,999" }, "outside the vocabulary")]
    [InlineData(new[] { "generate", "--tokens", "1", "--temperature", "-1" }, "--temperature")]
    [InlineData(new[] { "generate", "--tokens", "1", "--top-p", "1.5" }, "--top-p")]
    [InlineData(new[] { "generate", "--tokens", "1", "--top-k", "-2" }, "--top-k")]
    [InlineData(new[] { "generate", "--tokens", "1", "--backend", "quantum" }, "quantum")]
    [InlineData(new[] { "generate", "--tokens", "1", "--temperature", "Infinity" }, "--temperature")]
    [InlineData(new[] { "generate", "--prompt", "x", "--prompt", "y" }, "--prompt")]
    [InlineData(new[] { "generate", "--prompt", "" }, "--prompt is empty")]
    [InlineData(new[] { "generate", "--tokens", "1", "--shaders", "" }, "--shaders must not be empty")]
    public void Bad_arguments_exit_2_with_one_clear_line(string[] args, string expected)
    {
        using var model = TempModel.Small();
        var r = CliRun.Run([.. args, "--model", model.Folder]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }
}
