// `playground generate`: streams a continuation of a prompt to stdout, optionally ending with a JSON summary.
using System.CommandLine;
using System.Text.Json;
using Playground.Model.Generation;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;

namespace Playground.App.Cli;

internal static class GenerateCommand
{
    // Generated text goes to a terminal and to scripts: keep it readable rather than HTML-safe.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliApp.Common common)
    {
        var prompt = new Option<string?>("--prompt", "-p") { Description = "Prompt text, encoded with the model's tokenizer." };
        var tokens = new Option<string?>("--tokens") { Description = "Prompt as comma-separated token ids, e.g. 15496,995." };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 64 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 is greedy (argmax); higher is more random.", DefaultValueFactory = _ => 0f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens only (0: off).", DefaultValueFactory = _ => 0 };
        var topP = new Option<float>("--top-p") { Description = "Sample from the smallest set of tokens whose probability reaches p (1: off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed", "-s") { Description = "Random seed for sampling; the same seed and settings give the same tokens.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "After the text, print one line of JSON with the token ids, text, backend and speeds." };
        var command = new Command("generate", "Generate text from a prompt, streamed to stdout as it is produced.");
        common.AddTo(command);
        foreach (Option o in new Option[] { prompt, tokens, maxTokens, temperature, topK, topP, seed, json }) command.Add(o);
        command.Validators.Add(result =>
        {
            // Whether each option was given, not its value: reading a value given twice would throw here.
            if ((result.GetResult(prompt) is null) == (result.GetResult(tokens) is null))
                result.AddError("give exactly one of --prompt and --tokens");
        });
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            // Checked here rather than in a validator: option defaults are applied only once parsing is done.
            if (parse.GetValue(maxTokens) < 0) throw new FormatException("--max-tokens must not be negative");
            if (!(parse.GetValue(temperature) >= 0 && float.IsFinite(parse.GetValue(temperature))))
                throw new FormatException("--temperature must be 0 (greedy) or a positive finite number");
            if (parse.GetValue(topK) < 0) throw new FormatException("--top-k must be 0 (off) or positive");
            if (!(parse.GetValue(topP) is > 0 and <= 1)) throw new FormatException("--top-p must be in (0, 1]");
            var settings = new SamplingSettings(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP), parse.GetValue(seed));
            using ModelSession session = common.Open(parse, err);
            int[] promptIds = parse.GetValue(tokens) is { } list ? TokenList.Parse(list) : session.Tokenizer.Encode(parse.GetValue(prompt)!);
            if (promptIds.Length == 0) throw new FormatException("--prompt is empty: give it some text, or token ids with --tokens");
            TokenList.Validate(promptIds, session.Config.VocabSize);

            var generator = new Generator(session.Runner, new Sampler(settings));
            var decoder = new Utf8StreamDecoder(session.Tokenizer);
            var generated = new List<int>();
            var text = new System.Text.StringBuilder();
            foreach (GeneratedToken token in generator.Generate(promptIds, parse.GetValue(maxTokens), session.Tokenizer.EndOfTextId ?? session.Config.EosTokenId))
            {
                generated.Add(token.Id);
                string piece = decoder.Push(token.Id);
                text.Append(piece);
                output.Write(piece);
                output.Flush();
            }
            string tail = decoder.Flush();
            text.Append(tail);
            output.WriteLine(tail);
            GenerationStats stats = generator.Stats;
            if (stats.StopReason == StopReason.ContextFull)
                err.WriteLine($"stopped: the context is full (n_positions={session.Config.NPositions})");
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["prompt_tokens"] = promptIds,
                    ["tokens"] = generated,
                    ["text"] = text.ToString(),
                    ["backend"] = session.Runner.Backend,
                    ["renderer"] = session.Device?.Describe(),
                    ["stop_reason"] = stats.StopReason?.ToString(),
                    ["prefill_ms"] = Math.Round(stats.PrefillTime.TotalMilliseconds, 3),
                    ["decode_tokens_per_s"] = Math.Round(stats.DecodeTokensPerSecond, 3),
                }, JsonOptions));
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
