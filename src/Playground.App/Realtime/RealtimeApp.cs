// The realtime window: opens it, starts the model thread, and runs the frame loop until Escape or N frames.
using System.Diagnostics;
using Playground.App.Cli;
using Playground.App.Text;
using Playground.App.Window;
using Playground.Gpu.Context;
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Checkpoints;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;
using Silk.NET.Core.Contexts;
using Silk.NET.OpenGL;

namespace Playground.App.Realtime;

/// <summary>How to open the window and what to generate in it.</summary>
public sealed record RealtimeOptions
{
    public required LoadedCheckpoint Checkpoint { get; init; }

    public required ITokenizer Tokenizer { get; init; }

    /// <summary>The model as the overlay names it.</summary>
    public required string ModelName { get; init; }

    public string Prompt { get; init; } = "The ";

    public BackendChoice Backend { get; init; } = BackendChoice.Auto;

    /// <summary>Compute shader folder; null resolves as for the other commands.</summary>
    public string? ShaderDirectory { get; init; }

    public KernelVariant Variant { get; init; } = KernelVariant.Fast;

    /// <summary>Which GL context the GPU runner uses on the model thread.</summary>
    public ComputeContextKind ComputeContext { get; init; } = ComputeContextKind.Auto;

    public SamplingSettings Sampling { get; init; } = new(Temperature: 0.8f, TopK: 40);

    /// <summary>Tokens per generation at most; int.MaxValue generates until the context is full.</summary>
    public int MaxNewTokens { get; init; } = int.MaxValue;

    /// <summary>Stop after this many frames (null: when the user quits).</summary>
    public int? Frames { get; init; }

    /// <summary>With <see cref="Frames"/>: go on past them until the generation has ended.</summary>
    public bool UntilDone { get; init; }

    /// <summary>Where to save the last frame as a PNG; null for none.</summary>
    public string? ScreenshotPath { get; init; }

    public int Width { get; init; } = 1280;

    public int Height { get; init; } = 720;

    public float FontSize { get; init; } = 16f;

    /// <summary>Makes the GPU extension; null gives <see cref="ShaderHotReload"/> with its defaults (watch the shaders, check parity).</summary>
    public Func<IModelThreadExtension>? Extension { get; init; }

    /// <summary>Called at the start of every frame, after input and model news: tests press keys and resize here.</summary>
    public Action<RealtimeFrame>? OnFrame { get; init; }
}

/// <summary>The GL context the GPU runner computes on, on the model thread.</summary>
public enum ComputeContextKind
{
    /// <summary>Headless EGL when it can be made, else a hidden window.</summary>
    Auto,

    /// <summary>A headless EGL context, the one `generate` uses. On llvmpipe its GPU timestamps are right per pass.</summary>
    Headless,

    /// <summary>
    /// A hidden GLFW window in the window's share group. It computes the same tokens, but on llvmpipe under GLX its
    /// timestamp queries resolve one dispatch late, which shifts time between the overlay's pass bars.
    /// </summary>
    Window,
}

/// <summary>A frame about to be drawn, for <see cref="RealtimeOptions.OnFrame"/>.</summary>
/// <param name="Index">Frames drawn before this one.</param>
public sealed record RealtimeFrame(int Index, RealtimeSession Session, GlfwWindow Window)
{
    /// <summary>Set to make this frame the last: it is drawn, saved as the screenshot, and the window closes.</summary>
    public bool IsLast { get; set; }
}

/// <summary>What a window run did, for `run --json` and tests.</summary>
public sealed record RealtimeResult(
    IReadOnlyList<int> PromptTokens,
    IReadOnlyList<int> Tokens,
    string Text,
    StopReason? StopReason,
    string? FailureMessage,
    string Backend,
    string? Renderer,
    string? FallbackNote,
    int Frames,
    double Seconds,
    double FramesPerSecond,
    double DecodeTokensPerSecond,
    int Position,
    int Width,
    int Height,
    PixelRect TextRegion,
    PixelRect PanelRegion,
    PixelRect FooterRegion,
    string? ScreenshotPath,
    GLEnum GLError);

/// <summary>Runs the realtime window on the calling thread (GLFW wants the process's main thread).</summary>
public static class RealtimeApp
{
    private const double ScrollLinesPerStep = 3;

    /// <exception cref="WindowUnavailableException">No window can be opened here.</exception>
    /// <exception cref="UiShaderException">The UI shaders are missing or broken.</exception>
    /// <exception cref="Gpu.Shaders.ShaderCompileException">A compute shader does not compile (GPU backend).</exception>
    public static RealtimeResult Run(RealtimeOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        // The model thread and the parity worker log too.
        log = TextWriter.Synchronized(log);
        var weights = options.Checkpoint.Weights;
        var description = new SessionModel(options.ModelName, options.Checkpoint.Config, options.Tokenizer);
        // A prompt that cannot run is an error before any window opens.
        _ = RealtimeSession.EncodePrompt(description, options.Prompt);
        var atlas = GlyphAtlas.Create(options.FontSize);

        using var window = new GlfwWindow(options.Width, options.Height, $"playground — {options.ModelName}");
        var gl = GL.GetApi(window);
        using var computeContext = OpenComputeContext(window, options.Backend, options.ComputeContext, out var fallbackNote);
        if (fallbackNote is not null)
        {
            log.WriteLine($"note: {fallbackNote}");
        }

        using var renderer = new RealtimeRenderer(gl, atlas);
        var extension = computeContext is null ? null : options.Extension?.Invoke() ?? new ShaderHotReload(log);
        using var model = new ModelThread(RunnerFactory(computeContext, weights, options), weights, extension);
        var clock = Stopwatch.StartNew();
        var session = new RealtimeSession(
            model,
            description,
            options.Prompt,
            options.Sampling,
            options.MaxNewTokens,
            () => clock.Elapsed.TotalSeconds)
        {
            ExtensionStatus = () => extension?.StatusLines ?? [],
        };

        double scrollSteps = 0;
        window.KeyDown += session.HandleKey;
        window.TextInput += session.HandleText;
        window.Scrolled += steps => scrollSteps += steps;
        window.SwapInterval(1);
        var pacer = new FramePacer(window.MonitorRefreshRate);

        var frames = 0;
        ScreenLayout? layout = null;
        string? screenshot = null;
        var error = GLEnum.NoError;
        while (true)
        {
            window.PollEvents();
            session.Update();
            var frame = new RealtimeFrame(frames, session, window);
            options.OnFrame?.Invoke(frame);
            if (window.ShouldClose || session.QuitRequested)
            {
                break;
            }

            if (window.IsIconified)
            {
                // Nothing to draw; the model thread goes on, and restoring the window wakes this wait.
                window.WaitEvents(0.05);
                continue;
            }

            layout = renderer.LayoutFor(session, window.FramebufferWidth, window.FramebufferHeight);
            if (scrollSteps != 0)
            {
                var lineCount = session.Transcript.LayoutFor(layout.Columns).LineCount;
                session.Scroll((int)Math.Round(scrollSteps * ScrollLinesPerStep), lineCount, layout.Lines);
                scrollSteps = 0;
            }

            renderer.Draw(session, layout);
            frames++;
            if (frame.IsLast || (options.Frames is { } limit && frames >= limit && (!options.UntilDone || session.IsGenerationOver)))
            {
                // The frame just drawn is still in the back buffer: save it before presenting.
                if (options.ScreenshotPath is { } path)
                {
                    Screenshot.SavePng(gl, layout.Width, layout.Height, path);
                    screenshot = path;
                }

                error = gl.GetError();
                window.SwapBuffers();
                break;
            }

            pacer.WaitForSlot();
            window.SwapBuffers();
            session.FramePresented();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        layout ??= renderer.LayoutFor(session, window.FramebufferWidth, window.FramebufferHeight);

        // Disposing the model thread waits for its current step, which can take seconds on a slow device: the
        // window goes away at once rather than looking stuck meanwhile.
        window.Hide();
        return new RealtimeResult(
            session.PromptTokens,
            [.. session.Tokens],
            session.Transcript.Generated,
            session.StopReason,
            session.FailureMessage,
            session.Backend ?? (computeContext is null ? "cpu" : "gpu"),
            session.Renderer,
            fallbackNote,
            frames,
            seconds,
            frames / Math.Max(seconds, 1e-9),
            session.TokenTimes.OverallTokensPerSecond,
            session.Position,
            layout.Width,
            layout.Height,
            layout.TextArea,
            layout.Panel,
            layout.Footer,
            screenshot,
            error);
    }

    // The context the GPU runner will use on the model thread, current nowhere; null for the CPU backend.
    private static IGLContext? OpenComputeContext(GlfwWindow window, BackendChoice backend, ComputeContextKind kind, out string? fallbackNote)
    {
        fallbackNote = null;
        if (backend == BackendChoice.Cpu)
        {
            return null;
        }

        // A thread has one current context across GLX and EGL: the window's is released while the new one is made.
        window.Clear();
        IGLContext? context = null;
        try
        {
            if (kind != ComputeContextKind.Window)
            {
                try
                {
                    context = EglContext.Create();
                }
                catch (GpuUnavailableException e) when (kind == ComputeContextKind.Auto)
                {
                    fallbackNote = $"computing on a hidden window's context: {e.Message}";
                }
            }

            // In the window's share group, so that GPU results could be drawn without a copy.
            context ??= new GlfwWindow(1, 1, "playground model", visible: false, shareWith: window);
            context.Clear();
            return context;
        }
        catch (Exception e) when (backend == BackendChoice.Auto && e is GpuUnavailableException or WindowUnavailableException)
        {
            context?.Dispose();
            fallbackNote = $"using the CPU backend: {e.Message}";
            return null;
        }
        finally
        {
            window.MakeCurrent();
        }
    }

    private static Func<RunnerSetup> RunnerFactory(IGLContext? computeContext, GptWeights weights, RealtimeOptions options)
    {
        if (computeContext is null)
        {
            return () => new RunnerSetup(new CpuGptRunner(weights), null);
        }

        return () =>
        {
            computeContext.MakeCurrent();
            try
            {
                var device = new GlDevice(computeContext);
                var runner = new GpuGptRunner(device, weights, new GpuRunnerOptions { ShaderDirectory = options.ShaderDirectory, Variant = options.Variant });
                return new RunnerSetup(runner, device.Describe(), computeContext.Clear);
            }
            catch
            {
                computeContext.Clear();
                throw;
            }
        };
    }
}
