// `playground random-model`: writes a seeded random GPT-2 checkpoint in the HuggingFace layout, for tests and benchmarks.
using System.CommandLine;
using Playground.Model;
using Playground.Model.Checkpoints;

namespace Playground.App.Cli;

internal static class RandomModelCommand
{
    public static Command Build()
    {
        var outDir = new Option<string>("--out", "-o") { Description = "Folder to write config.json and model.safetensors to.", Required = true }.NotBlank();
        var layers = new Option<int>("--layers") { Description = "n_layer", DefaultValueFactory = _ => 12 };
        var heads = new Option<int>("--heads") { Description = "n_head", DefaultValueFactory = _ => 12 };
        var embd = new Option<int>("--embd") { Description = "n_embd", DefaultValueFactory = _ => 768 };
        var ctx = new Option<int>("--ctx") { Description = "n_positions", DefaultValueFactory = _ => 1024 };
        var vocab = new Option<int>("--vocab") { Description = "vocab_size (50257 uses the GPT-2 tokenizer, 256 bytes)", DefaultValueFactory = _ => 50257 };
        var std = new Option<float>("--std") { Description = "Standard deviation of the weights", DefaultValueFactory = _ => 0.02f };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 0 };
        var command = new Command("random-model", "Write a random GPT-2 checkpoint (config.json + model.safetensors); the defaults give GPT-2 124M's shape.");
        foreach (Option o in new Option[] { outDir, layers, heads, embd, ctx, vocab, std, seed }) command.Add(o);
        command.SetAction(parse =>
        {
            var config = new GptConfig(parse.GetValue(layers), parse.GetValue(heads), parse.GetValue(embd), parse.GetValue(ctx), parse.GetValue(vocab),
                EosTokenId: parse.GetValue(vocab) == 50257 ? 50256 : null);
            config.Validate("random-model");
            if (!(parse.GetValue(std) >= 0 && float.IsFinite(parse.GetValue(std))))
                throw new FormatException($"--std must be 0 or a positive finite number, got {parse.GetValue(std)}");
            // The largest tensors must each fit one .NET array; beyond that the generator would fail with an overflow.
            long c = config.NEmbd;
            foreach (var (name, floats) in new[] { ("wte (vocab x embd)", config.VocabSize * c), ("wpe (ctx x embd)", config.NPositions * c), ("mlp (4 embd x embd)", 4 * c * c) })
            {
                if (floats > Array.MaxLength)
                    throw new FormatException($"random-model: {name} would hold {floats:N0} floats, more than one array can ({Array.MaxLength:N0}); choose a smaller shape");
            }
            GptCheckpoint.Save(RandomWeights.Create(config, parse.GetValue(seed), parse.GetValue(std)), parse.GetValue(outDir)!);
            parse.InvocationConfiguration.Error.WriteLine($"wrote {parse.GetValue(outDir)}: {config.ParameterCount / 1e6:F1} M parameters");
            return CliApp.ExitOk;
        });
        return command;
    }
}
