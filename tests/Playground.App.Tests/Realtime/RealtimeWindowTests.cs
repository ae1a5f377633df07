// Opens the real window (CI runs the tests under xvfb-run) on small models and checks screenshots and tokens.
using System.Text.Json;
using Playground.App.Cli;
using Playground.App.Realtime;
using Playground.App.Text;
using Playground.App.Tests.Cli;
using Playground.App.Tests.Window;
using Playground.App.Window;
using Playground.Model.Checkpoints;
using Playground.Model.Generation;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;
using Silk.NET.OpenGL;
using SkiaSharp;

namespace Playground.App.Tests.Realtime;

[Collection(GlfwCollection.Name)]
public sealed class RealtimeWindowTests
{
    public sealed record Case(string Backend, string Temperature, string TopK, string TopP, string Seed)
    {
        public override string ToString() => $"{Backend} T={Temperature} k={TopK} p={TopP} seed={Seed}";
    }

    public static TheoryData<Case> Cases() =>
    [
        new("gpu", "0.8", "40", "1", "3"),
        new("gpu", "0", "0", "1", "0"),
        new("cpu", "1.1", "0", "0.9", "5"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Window_streams_text_with_the_overlay_and_the_tokens_of_generate(Case c)
    {
        using var model = TempModel.Small(seed: 11);
        var shot = ScreenshotPath($"run-{c.Backend}-{c.Seed}.png");
        string[] sampling = ["--temperature", c.Temperature, "--top-k", c.TopK, "--top-p", c.TopP, "--seed", c.Seed, "--backend", c.Backend];
        var run = CliRun.Run(["run", "--model", model.Folder, "--prompt", "Once upon a time", "--max-tokens", "30", "--frames", "20",
            "--until-done", "--screenshot", shot, "--width", "960", "--height", "600", "--json", .. sampling]);
        var generate = CliRun.Run(["generate", "--model", model.Folder, "--prompt", "Once upon a time", "--max-tokens", "30", "--json", .. sampling]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(generate.ExitCode == 0, generate.ToString());
        var json = LastJson(run);
        Assert.Equal(Ints(LastJson(generate).GetProperty("tokens")), Ints(json.GetProperty("tokens")));
        Assert.Equal(30, json.GetProperty("tokens").GetArrayLength());
        Assert.Equal(c.Backend, json.GetProperty("backend").GetString());
        Assert.Equal("NoError", json.GetProperty("gl_error").GetString());
        Assert.Contains("window: ", run.Stderr, StringComparison.Ordinal);

        using var image = SKBitmap.Decode(shot);
        Assert.Equal((960, 600), (image.Width, image.Height));
        var text = Rect(json.GetProperty("text_region"));
        var overlay = Rect(json.GetProperty("overlay_region"));

        // Text makes its region far from uniform, the prompt in its colour, the generated text in its own.
        Assert.True(ImageProbe.LuminanceVariance(image, text) > 100, "text region is nearly uniform");
        Assert.True(ImageProbe.CountExact(image, text, Theme.PromptText) > 20, "no prompt-coloured text");
        Assert.True(ImageProbe.CountExact(image, text, Theme.GeneratedText) > 20, "no generated-coloured text");

        // The overlay: its panel, text in it, and GPU bars exactly when the backend has GPU timings.
        Assert.True(ImageProbe.CountExact(image, overlay, Theme.PanelBackground) > overlay.Width * overlay.Height / 3, "no overlay panel");
        Assert.True(ImageProbe.LuminanceVariance(image, overlay) > 100, "overlay panel is nearly uniform");
        var bars = ImageProbe.CountExact(image, overlay, Theme.Bar);
        if (c.Backend == "gpu")
        {
            Assert.True(bars > 200, $"only {bars} bar pixels in the overlay");
        }
        else
        {
            Assert.Equal(0, bars);
        }

        Assert.Equal(0, ImageProbe.CountExact(image, text, Theme.Bar));
    }

    [Fact]
    public void A_typed_prompt_generates_what_generate_does_and_a_resize_reflows_the_text()
    {
        using var model = TempModel.Small(seed: 12);
        var checkpoint = GptCheckpoint.Load(model.Folder);
        var sampling = new SamplingSettings(0.9f, 20, 1f, 8);
        var shot = ScreenshotPath("typed-and-resized.png");
        var columns = new List<int>();
        var widths = new List<int>();
        var result = RealtimeApp.Run(
            new RealtimeOptions
            {
                Checkpoint = checkpoint,
                Tokenizer = new ByteTokenizer(),
                ModelName = "test",
                Prompt = "first",
                Backend = BackendChoice.Gpu,
                // The other context the GPU runner can use; the CLI tests cover the default (headless EGL).
                ComputeContext = ComputeContextKind.Window,
                Sampling = sampling,
                MaxNewTokens = 25,
                Frames = 30,
                UntilDone = true,
                ScreenshotPath = shot,
                Width = 900,
                Height = 560,
                OnFrame = frame =>
                {
                    var session = frame.Session;
                    switch (frame.Index)
                    {
                        case 2:
                            session.HandleKey(new KeyEvent(Key.Enter, KeyModifiers.None, false));
                            session.Editor.Clear();
                            foreach (var rune in "Typed prompt: é".EnumerateRunes())
                            {
                                session.HandleText(rune);
                            }

                            break;
                        case 4:
                            session.HandleKey(new KeyEvent(Key.Enter, KeyModifiers.None, false));
                            break;
                        case 6:
                            frame.Window.SetSize(700, 500);
                            break;
                    }

                    widths.Add(frame.Window.FramebufferWidth);
                    columns.Add(session.Transcript.Columns);
                },
            },
            TextWriter.Null);

        var expected = ReferenceTokens(checkpoint, "Typed prompt: é", sampling, 25);
        Assert.Equal(expected, result.Tokens);
        Assert.Equal(StopReason.MaxTokens, result.StopReason);
        Assert.True(result.Frames >= 30, $"{result.Frames} frames");
        Assert.Equal((700, 500), (result.Width, result.Height));
        Assert.Equal([900, 700], widths.Distinct());
        // The text was wrapped again after the resize, at the columns of the new text region (at 700 pixels the
        // overlay no longer fits beside the text, so the text gets wider, not narrower).
        var wrapped = columns.Where(c => c > 0).Distinct().ToList();
        Assert.Equal(2, wrapped.Count);
        Assert.Equal(result.TextRegion.Width / GlyphAtlas.Create(16f).Advance, wrapped[1]);
        Assert.Equal(0, result.PanelRegion.Width);
        Assert.Equal(GLEnum.NoError, result.GLError);

        using var image = SKBitmap.Decode(shot);
        Assert.Equal((700, 500), (image.Width, image.Height));
        Assert.True(ImageProbe.CountExact(image, result.TextRegion, Theme.PromptText) > 20, "no prompt-coloured text after the resize");
    }

    [Fact]
    public void The_end_of_the_context_shows_a_message_in_the_window()
    {
        using var model = TempModel.Small(seed: 13);
        var shot = ScreenshotPath("context-full.png");
        var prompt = new string('z', model.Config.NPositions - 4);
        var run = CliRun.Run("run", "--model", model.Folder, "--prompt", prompt, "--frames", "5", "--until-done", "--screenshot", shot,
            "--json", "--backend", "gpu", "--width", "960", "--height", "600");

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = LastJson(run);
        Assert.Equal("ContextFull", json.GetProperty("stop_reason").GetString());
        Assert.Equal(model.Config.NPositions, json.GetProperty("position").GetInt32());
        using var image = SKBitmap.Decode(shot);
        Assert.True(ImageProbe.CountExact(image, Rect(json.GetProperty("footer_region")), Theme.Bad) > 20, "no message in the alarm colour");
    }

    [Fact]
    public void Minimising_pauses_drawing_but_not_generation()
    {
        using var model = TempModel.Small(seed: 14);
        var checkpoint = GptCheckpoint.Load(model.Folder);
        var framesWhenRestored = -1;
        var result = RealtimeApp.Run(
            new RealtimeOptions
            {
                Checkpoint = checkpoint,
                Tokenizer = new ByteTokenizer(),
                ModelName = "test",
                Prompt = "abc",
                Backend = BackendChoice.Cpu,
                Sampling = SamplingSettings.Greedy,
                MaxNewTokens = 20,
                Frames = 3,
                UntilDone = true,
                OnFrame = frame =>
                {
                    // Minimised right away, restored once generation is over: the frames needed all come after that.
                    if (frame.Index == 0 && !frame.Window.IsIconified)
                    {
                        frame.Window.QueueIconify(true);
                    }
                    else if (frame.Window.IsIconified && frame.Session.IsGenerationOver)
                    {
                        framesWhenRestored = frame.Index;
                        frame.Window.QueueIconify(false);
                    }
                },
            },
            TextWriter.Null);

        Assert.Equal(0, framesWhenRestored);
        Assert.Equal(20, result.Tokens.Count);
        Assert.Equal(3, result.Frames);
    }

    [Fact]
    public void Without_a_display_run_fails_with_one_line_and_exit_code_2()
    {
        using var model = TempModel.Small();
        var display = Environment.GetEnvironmentVariable("DISPLAY");
        Assert.Equal(0, NativeEnvironment.Unset("DISPLAY"));
        try
        {
            var run = CliRun.Run("run", "--model", model.Folder, "--frames", "1");
            Assert.Equal(2, run.ExitCode);
            Assert.Equal("error: no display: run under `xvfb-run -a` or set DISPLAY", run.Stderr.TrimEnd());
        }
        finally
        {
            if (display is not null)
            {
                Assert.Equal(0, NativeEnvironment.Set("DISPLAY", display));
            }
        }
    }

    [Fact]
    public void A_missing_model_fails_before_any_window_opens()
    {
        var run = CliRun.Run("run", "--model", "/nonexistent/model-folder", "--frames", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("error: ", run.Stderr, StringComparison.Ordinal);
    }

    private static List<int> ReferenceTokens(LoadedCheckpoint checkpoint, string prompt, SamplingSettings sampling, int maxNewTokens) =>
        Reference.Generate(checkpoint.Weights, new ByteTokenizer().Encode(prompt), sampling, maxNewTokens).Tokens;

    private static string ScreenshotPath(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name);
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        return path;
    }

    private static JsonElement LastJson(CliResult result) =>
        JsonDocument.Parse(result.Stdout.TrimEnd().Split('\n')[^1]).RootElement;

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    private static PixelRect Rect(JsonElement array)
    {
        var v = Ints(array);
        return new PixelRect(v[0], v[1], v[2], v[3]);
    }
}
