// Shader hot reload as the window shows it: a broken edit is reported in the overlay while the last good shaders run.
using Playground.App.Cli;
using Playground.App.Realtime;
using Playground.App.Tests.Cli;
using Playground.App.Tests.Window;
using Playground.App.Window;
using Playground.Gpu.Runtime;
using Playground.Model.Checkpoints;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;
using SkiaSharp;

namespace Playground.App.Tests.Realtime;

[Collection(GlfwCollection.Name)]
public sealed class HotReloadWindowTests
{
    // A cap so that a reload that never comes fails the test instead of hanging it (about 40 s at 60 frames/s).
    private const int FrameCap = 2400;

    [Fact]
    public void A_broken_shader_edit_is_shown_in_the_overlay_and_the_last_good_shaders_keep_generating()
    {
        using var model = TempModel.Small(seed: 21);
        using var shaders = new ShaderCopy();
        var checkpoint = GptCheckpoint.Load(model.Folder);
        var sampling = new SamplingSettings(0.8f, 40, 1f, 2);
        var shot = Path.Combine(AppContext.BaseDirectory, "screenshots", "reload-failed.png");
        IReadOnlyList<StatusLine> failedLines = [];
        var broke = false;

        var result = RealtimeApp.Run(
            Options(checkpoint, shaders.Path, sampling, shot, frame =>
            {
                var status = frame.Session.ExtensionStatus();
                if (!broke && frame.Session.Backend == "gpu")
                {
                    // A syntax error on a known line of a shader every forward pass uses.
                    File.AppendAllText(shaders.File("gelu.comp"), "\nthis is not glsl;\n");
                    broke = true;
                }
                else if (broke && status.Any(line => line.Text.Contains("FAILED", StringComparison.Ordinal)) && frame.Session.IsGenerationOver)
                {
                    failedLines = status;
                    frame.IsLast = true;
                }
                else if (frame.Index >= FrameCap)
                {
                    frame.IsLast = true;
                }
            }),
            TextWriter.Null);

        Assert.True(failedLines.Count > 0, $"no failed reload shown in {result.Frames} frames");
        Assert.Equal(StatusTone.Bad, failedLines[0].Tone);
        Assert.Contains(failedLines, line => line.Tone == StatusTone.Bad && line.Text.StartsWith("gelu.comp:", StringComparison.Ordinal));
        // The running shaders were never replaced by the broken ones: the tokens are still those of generate.
        Assert.Equal(Reference.Generate(checkpoint.Weights, new ByteTokenizer().Encode("Hello"), sampling, 40).Tokens, result.Tokens);

        using var image = SKBitmap.Decode(shot);
        Assert.True(ImageProbe.CountExact(image, result.PanelRegion, Theme.Bad) > 20, "the failure is not drawn in the alarm colour");
    }

    [Fact]
    public void Fixing_the_shader_and_the_reload_key_bring_back_ok_and_parity_is_checked()
    {
        using var model = TempModel.Small(seed: 22);
        using var shaders = new ShaderCopy();
        var checkpoint = GptCheckpoint.Load(model.Folder);
        var gelu = File.ReadAllText(shaders.File("gelu.comp"));
        var seen = new List<string>();
        var step = 0;

        var result = RealtimeApp.Run(
            Options(checkpoint, shaders.Path, SamplingSettings.Greedy, null, frame =>
            {
                var status = frame.Session.ExtensionStatus();
                var reload = status.Count > 0 ? status[0] : default;
                switch (step)
                {
                    case 0 when frame.Session.Backend == "gpu" && status.Count > 0:
                        File.WriteAllText(shaders.File("gelu.comp"), gelu + "\nbroken(;\n");
                        step++;
                        break;
                    case 1 when reload.Tone == StatusTone.Bad:
                        seen.Add(reload.Text);
                        File.WriteAllText(shaders.File("gelu.comp"), gelu);
                        step++;
                        break;
                    case 2 when reload.Tone == StatusTone.Good:
                        seen.Add(reload.Text);
                        frame.Session.HandleKey(new KeyEvent(Key.F5, KeyModifiers.None, false));
                        step++;
                        break;
                    case 3 when reload.Text.Contains("all shaders", StringComparison.Ordinal) && status.Any(line => line.Text.StartsWith("parity ok", StringComparison.Ordinal)):
                        seen.Add(reload.Text);
                        seen.Add(status.First(line => line.Text.StartsWith("parity", StringComparison.Ordinal)).Text);
                        frame.IsLast = true;
                        break;
                }

                if (frame.Index >= FrameCap)
                {
                    frame.IsLast = true;
                }
            }),
            TextWriter.Null);

        Assert.True(step == 3 && seen.Count == 4, $"stopped at step {step} after {result.Frames} frames: {string.Join(" | ", seen)}");
        Assert.StartsWith("shaders: gelu.comp FAILED", seen[0], StringComparison.Ordinal);
        Assert.StartsWith("shaders: gelu.comp ok", seen[1], StringComparison.Ordinal);
        Assert.StartsWith("shaders: all shaders ok", seen[2], StringComparison.Ordinal);
        Assert.StartsWith("parity ok: max-abs", seen[3], StringComparison.Ordinal);
    }

    private static RealtimeOptions Options(LoadedCheckpoint checkpoint, string shaderFolder, SamplingSettings sampling, string? screenshot, Action<RealtimeFrame> onFrame) =>
        new()
        {
            Checkpoint = checkpoint,
            Tokenizer = new ByteTokenizer(),
            ModelName = "test",
            Prompt = "Hello",
            Backend = BackendChoice.Gpu,
            ShaderDirectory = shaderFolder,
            Sampling = sampling,
            MaxNewTokens = 40,
            ScreenshotPath = screenshot,
            Width = 960,
            Height = 600,
            OnFrame = onFrame,
        };

    // A temporary copy of the repository's compute shaders that a test may break.
    private sealed class ShaderCopy : IDisposable
    {
        public ShaderCopy()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "playground-window-shaders-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
            foreach (var file in Directory.GetFiles(ShaderLocator.Resolve(null)))
            {
                System.IO.File.Copy(file, File(System.IO.Path.GetFileName(file)));
            }
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
