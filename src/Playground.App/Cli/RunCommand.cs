// `playground run` (and `playground` alone): the realtime window streaming a generation with live GPU timings.
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Playground.App.Realtime;
using Playground.Model.Checkpoints;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;

namespace Playground.App.Cli;

internal static class RunCommand
{
    public const string DefaultPrompt = "The ";

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Build(CliApp.Common common)
    {
        var prompt = new Option<string>("--prompt", "-p") { Description = "Prompt to generate from; typed prompts replace it in the window.", DefaultValueFactory = _ => DefaultPrompt };
        var maxTokens = new Option<int?>("--max-tokens", "-n") { Description = "Most tokens per generation (default: until the context is full)." };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 is greedy; Up/Down change it in the window.", DefaultValueFactory = _ => 0.8f };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens only (0: off).", DefaultValueFactory = _ => 40 };
        var topP = new Option<float>("--top-p") { Description = "Sample from the smallest set of tokens whose probability reaches p (1: off).", DefaultValueFactory = _ => 1f };
        var seed = new Option<int>("--seed", "-s") { Description = "Random seed; the window picks the same tokens as `generate` with the same seed and settings.", DefaultValueFactory = _ => 0 };
        var frames = new Option<int?>("--frames") { Description = "Draw this many frames, then exit (for screenshots and tests)." };
        var untilDone = new Option<bool>("--until-done") { Description = "With --frames: keep drawing past N frames until the generation has ended." };
        var screenshot = new Option<string?>("--screenshot") { Description = "With --frames: save the last frame as a PNG here." };
        var width = new Option<int>("--width") { Description = "Window width.", DefaultValueFactory = _ => 1280 };
        var height = new Option<int>("--height") { Description = "Window height.", DefaultValueFactory = _ => 720 };
        var json = new Option<bool>("--json") { Description = "On exit, print one line of JSON: the generated tokens, frames/s, tokens/s and where the text and overlay were." };
        var command = new Command("run", "Open the realtime window: text streams in token by token next to per-pass GPU timings.");
        common.AddTo(command);
        foreach (Option o in new Option[] { prompt, maxTokens, temperature, topK, topP, seed, frames, untilDone, screenshot, width, height, json })
        {
            command.Add(o);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(frames) is null && (result.GetValue(screenshot) is not null || result.GetValue(untilDone)))
            {
                result.AddError("--screenshot and --until-done need --frames N");
            }
        });
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            // Checked here rather than in a validator: option defaults are applied only once parsing is done.
            if (parse.GetValue(maxTokens) is < 0) throw new FormatException("--max-tokens must not be negative");
            if (parse.GetValue(frames) is <= 0) throw new FormatException("--frames must be positive");
            if (parse.GetValue(width) <= 0 || parse.GetValue(height) <= 0) throw new FormatException("--width and --height must be positive");
            var sampling = new SamplingSettings(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP), parse.GetValue(seed));
            try
            {
                sampling.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new FormatException(e.Message.Split(Environment.NewLine)[0]);
            }

            string modelSpec = parse.GetValue(common.Model)!;
            LoadedCheckpoint checkpoint = ModelSession.LoadCheckpoint(modelSpec);
            var options = new RealtimeOptions
            {
                Checkpoint = checkpoint,
                Tokenizer = TokenizerFactory.For(checkpoint.Info.Folder, checkpoint.Config),
                ModelName = DisplayName(modelSpec),
                Prompt = parse.GetValue(prompt)!,
                Backend = parse.GetValue(common.Backend),
                ShaderDirectory = parse.GetValue(common.Shaders),
                Variant = parse.GetValue(common.Kernels),
                Sampling = sampling,
                MaxNewTokens = parse.GetValue(maxTokens) ?? int.MaxValue,
                Frames = parse.GetValue(frames),
                UntilDone = parse.GetValue(untilDone),
                ScreenshotPath = parse.GetValue(screenshot),
                Width = parse.GetValue(width),
                Height = parse.GetValue(height),
            };
            RealtimeResult result = RealtimeApp.Run(options, err);

            var inv = CultureInfo.InvariantCulture;
            err.WriteLine(string.Create(inv,
                $"window: {result.Frames} frames in {result.Seconds:F1} s ({result.FramesPerSecond:F1} frames/s); {result.Tokens.Count} tokens, {result.DecodeTokensPerSecond:F2} tokens/s decode ({result.Backend})"));
            if (result.FailureMessage is not null) err.WriteLine($"generation failed: {result.FailureMessage}");
            if (parse.GetValue(json))
            {
                static int[] Rect(Window.PixelRect r) => [r.X, r.Y, r.Width, r.Height];
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["prompt_tokens"] = result.PromptTokens,
                    ["tokens"] = result.Tokens,
                    ["text"] = result.Text,
                    ["stop_reason"] = result.StopReason?.ToString(),
                    ["failure"] = result.FailureMessage,
                    ["backend"] = result.Backend,
                    ["renderer"] = result.Renderer,
                    ["frames"] = result.Frames,
                    ["seconds"] = Math.Round(result.Seconds, 3),
                    ["frames_per_s"] = Math.Round(result.FramesPerSecond, 2),
                    ["decode_tokens_per_s"] = Math.Round(result.DecodeTokensPerSecond, 3),
                    ["position"] = result.Position,
                    ["size"] = new[] { result.Width, result.Height },
                    ["text_region"] = Rect(result.TextRegion),
                    ["overlay_region"] = Rect(result.PanelRegion),
                    ["footer_region"] = Rect(result.FooterRegion),
                    ["screenshot"] = result.ScreenshotPath,
                    ["gl_error"] = result.GLError.ToString(),
                }, JsonOptions));
            }

            return CliApp.ExitOk;
        });
        return command;
    }

    // The model as the overlay names it: a folder by its name, anything else (default, a hub name) as given.
    private static string DisplayName(string modelSpec) =>
        Directory.Exists(modelSpec) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelSpec))) : modelSpec;
}
