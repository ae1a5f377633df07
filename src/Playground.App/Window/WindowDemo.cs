// A self-contained showcase of the window pieces: streamed wrapped text, a timing panel with bars and a graph.
using System.Diagnostics;
using System.Numerics;
using Playground.App.Text;
using Silk.NET.OpenGL;

namespace Playground.App.Window;

/// <summary>What <see cref="WindowDemo.Run"/> drew and where, so a caller can check the screenshot.</summary>
/// <param name="ScreenshotPath">The PNG written after the last frame.</param>
/// <param name="Width">Framebuffer width in pixels.</param>
/// <param name="Height">Framebuffer height in pixels.</param>
/// <param name="TextRegion">The area holding the wrapped prompt and generated text.</param>
/// <param name="PanelRegion">The timing panel (bars and graph).</param>
/// <param name="BarColor">The exact colour the bars are filled with.</param>
/// <param name="PromptColor">The colour of the prompt text.</param>
/// <param name="GeneratedColor">The colour of the generated text.</param>
/// <param name="FontDescription">The font the atlas was built from.</param>
/// <param name="GLRenderer">GL_RENDERER, e.g. "llvmpipe (LLVM 19.1.7, 256 bits)".</param>
/// <param name="FramesRendered">Frames drawn and presented.</param>
/// <param name="MillisecondsPerFrame">Mean wall time per frame, swap included.</param>
/// <param name="GLError">glGetError after the last frame; NoError when all calls succeeded.</param>
public sealed record WindowDemoResult(
    string ScreenshotPath,
    int Width,
    int Height,
    PixelRect TextRegion,
    PixelRect PanelRegion,
    Rgba BarColor,
    Rgba PromptColor,
    Rgba GeneratedColor,
    string FontDescription,
    string GLRenderer,
    int FramesRendered,
    double MillisecondsPerFrame,
    GLEnum GLError);

/// <summary>Opens a window, streams a sample text into it next to a timing panel, saves a screenshot and closes.</summary>
public static class WindowDemo
{
    private const int WindowWidth = 960;
    private const int WindowHeight = 600;
    private const int Margin = 20;
    private const int HeaderHeight = 36;
    private const int PanelWidth = 300;
    private const int PromptStyle = 0;
    private const int GeneratedStyle = 1;

    private static readonly Rgba Background = Rgba.FromHex(0x14171D);
    private static readonly Rgba HeaderBackground = Rgba.FromHex(0x1B1F27);
    private static readonly Rgba PanelBackground = Rgba.FromHex(0x1D222B);
    private static readonly Rgba PanelBorder = Rgba.FromHex(0x2E3440);
    private static readonly Rgba GridLine = Rgba.FromHex(0x2A303B);
    private static readonly Rgba GridLabel = Rgba.FromHex(0x5A6372);
    private static readonly Rgba DimText = Rgba.FromHex(0x7B8494);
    private static readonly Rgba PromptText = Rgba.FromHex(0x8FBCBB);
    private static readonly Rgba GeneratedText = Rgba.FromHex(0xD8DEE9);
    private static readonly Rgba Bar = Rgba.FromHex(0xEBCB8B);
    private static readonly Rgba BarTrack = Rgba.FromHex(0x262C36);
    private static readonly Rgba GraphLine = Rgba.FromHex(0x88C0D0);

    private const string Prompt = "The lighthouse keeper opened the logbook and wrote:";

    private const string Generated =
        " “Fog again — the third night this week.” He paused, listening to the foghorn’s low note roll across "
        + "the bay… Somewhere below, the café owner was stacking chairs; her naïve nephew still believed the light "
        + "could be seen from Reykjavík.\n\nBy midnight the lamp had turned 4,812 times. Nothing else moved on the "
        + "water, except a small boat that seemed to drift against the tide • without oars • without sail.";

    // Per-pass GPU times of one token, in milliseconds (illustrative figures for a small GPT-2).
    private static readonly (string Pass, float Milliseconds)[] Passes =
    [
        ("embed", 0.08f),
        ("layernorm", 0.31f),
        ("qkv", 2.10f),
        ("attention", 3.40f),
        ("attn proj", 0.72f),
        ("mlp fc", 2.85f),
        ("gelu", 0.22f),
        ("mlp proj", 2.80f),
        ("logits", 4.60f),
        ("sample", 0.15f),
    ];

    /// <summary>
    /// Runs <paramref name="frames"/> frames (fewer if the window is closed, e.g. with Escape), then writes a PNG of
    /// the last one to <paramref name="screenshotPath"/>.
    /// </summary>
    /// <exception cref="WindowUnavailableException">No window can be opened here.</exception>
    /// <exception cref="UiShaderException">The UI shaders under <paramref name="shaderRoot"/> are missing or broken.</exception>
    public static WindowDemoResult Run(int frames, string screenshotPath, string? shaderRoot = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        ArgumentException.ThrowIfNullOrEmpty(screenshotPath);

        var atlas = GlyphAtlas.Create(16f);
        using var window = new GlfwWindow(WindowWidth, WindowHeight, "playground — window demo");
        window.KeyDown += key =>
        {
            if (key.Key == Key.Escape)
            {
                window.ShouldClose = true;
            }
        };

        // Disposing the GL disposes the window (Silk.NET owns the context it is given); that is harmless here.
        using var gl = GL.GetApi(window);
        using var text = new TextRenderer(gl, atlas, shaderRoot);
        using var rects = new RectRenderer(gl, shaderRoot);
        window.SwapInterval(0);

        var fullText = Prompt + Generated;
        StyleRun[] runs = [new(0, PromptStyle), new(Prompt.Length, GeneratedStyle)];
        Rgba[] styleColors = [PromptText, GeneratedText];
        var layout = new TextLayout();

        var stopwatch = Stopwatch.StartNew();
        var frame = 0;
        WindowDemoScene? scene = null;
        while (frame < frames)
        {
            window.PollEvents();
            if (window.ShouldClose)
            {
                break;
            }

            // Present the previous frame only now, so the last frame drawn stays in the back buffer for the screenshot.
            if (frame > 0)
            {
                window.SwapBuffers();
            }

            scene = WindowDemoScene.For(window.FramebufferWidth, window.FramebufferHeight, atlas);

            // Stream the generated text in as if tokens were arriving, extending the layout incrementally.
            var shown = Prompt.Length + (int)((long)Generated.Length * (frame + 1) / frames);
            var visibleText = fullText.AsSpan(0, shown);
            if (layout.Columns != scene.Columns || shown < layout.TextLength)
            {
                layout.Layout(visibleText, runs, scene.Columns);
            }
            else
            {
                layout.Extend(visibleText, runs);
            }

            DrawFrame(gl, text, rects, scene, layout, visibleText, styleColors, frame);
            frame++;
        }

        var millisecondsPerFrame = stopwatch.Elapsed.TotalMilliseconds / Math.Max(frame, 1);
        var width = window.FramebufferWidth;
        var height = window.FramebufferHeight;
        Screenshot.SavePng(gl, width, height, screenshotPath);
        var error = gl.GetError();
        window.SwapBuffers();

        scene ??= WindowDemoScene.For(width, height, atlas);
        return new WindowDemoResult(
            screenshotPath,
            width,
            height,
            scene.TextArea,
            scene.Panel,
            Bar,
            PromptText,
            GeneratedText,
            atlas.FontDescription,
            gl.GetStringS(StringName.Renderer),
            frame,
            millisecondsPerFrame,
            error);
    }

    private static void DrawFrame(
        GL gl,
        TextRenderer text,
        RectRenderer rects,
        WindowDemoScene scene,
        TextLayout layout,
        ReadOnlySpan<char> visibleText,
        ReadOnlySpan<Rgba> styleColors,
        int frame)
    {
        var atlas = text.Atlas;
        gl.Viewport(0, 0, (uint)scene.Width, (uint)scene.Height);
        gl.ClearColor(Background.R / 255f, Background.G / 255f, Background.B / 255f, 1f);
        gl.Clear(ClearBufferMask.ColorBufferBit);

        // Header.
        rects.FillRect(0, 0, scene.Width, HeaderHeight, HeaderBackground);
        rects.FillRect(0, HeaderHeight - 1, scene.Width, 1, PanelBorder);
        var headerTextY = (HeaderHeight - atlas.LineHeight) / 2;
        text.DrawText("playground", Margin, headerTextY, GeneratedText);
        text.DrawText("· gpt2 · window demo", Margin + (11 * atlas.Advance), headerTextY, DimText);
        var status = $"token {frame + 1,3}  {TokenMilliseconds(frame),5:0.0} ms/token";
        text.DrawText(status, scene.Width - Margin - (status.Length * atlas.Advance), headerTextY, DimText);

        // Generated text, scrolled so the newest line is visible, with a block caret after it.
        var area = scene.TextArea;
        var visibleLines = area.Height / atlas.LineHeight;
        var firstLine = Math.Max(0, layout.LineCount - visibleLines);
        text.DrawLayout(visibleText, layout, firstLine, visibleLines, area.X, area.Y, styleColors);
        var lastLine = layout.Lines[^1];
        var caretColumn = WordWrap.CountColumns(visibleText.Slice(lastLine.Start, lastLine.Length));
        rects.FillRect(
            area.X + (caretColumn * atlas.Advance),
            area.Y + ((layout.LineCount - 1 - firstLine) * atlas.LineHeight) + 2,
            atlas.Advance,
            atlas.LineHeight - 3,
            GeneratedText.WithAlpha(0.55f));

        DrawPanel(text, rects, scene, frame);

        // Rectangles first so that text lies on top of panels and bars.
        rects.Flush(scene.Width, scene.Height);
        text.Flush(scene.Width, scene.Height);
    }

    private static void DrawPanel(TextRenderer text, RectRenderer rects, WindowDemoScene scene, int frame)
    {
        var atlas = text.Atlas;
        var panel = scene.Panel;
        rects.FillRect(panel, PanelBackground);
        rects.StrokeRect(panel, 1, PanelBorder);

        var x = panel.X + 14;
        var y = panel.Y + 12;
        text.DrawText("GPU passes per token", x, y, DimText);
        y += atlas.LineHeight + 8;

        const int labelColumns = 10;
        var barX = x + (labelColumns * atlas.Advance);
        var valueWidth = 5 * atlas.Advance;
        var barMaxWidth = panel.Right - 14 - valueWidth - 6 - barX;
        var slowest = Passes.Max(pass => pass.Milliseconds);
        foreach (var (pass, milliseconds) in Passes)
        {
            text.DrawText(pass, x, y, GeneratedText);
            var barHeight = atlas.LineHeight - 6;
            rects.FillRect(barX, y + 3, barMaxWidth, barHeight, BarTrack);
            rects.FillRect(barX, y + 3, MathF.Max(2, MathF.Round(barMaxWidth * milliseconds / slowest)), barHeight, Bar);
            var value = milliseconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
            text.DrawText(value, panel.Right - 14 - (value.Length * atlas.Advance), y, DimText);
            y += atlas.LineHeight + 4;
        }

        y += 14;
        text.DrawText("ms / token (last 120)", x, y, DimText);
        y += atlas.LineHeight + 6;
        var graph = new PixelRect(x, y, panel.Right - 14 - x, panel.Bottom - 14 - y);
        DrawGraph(rects, text, graph, frame);
    }

    private static void DrawGraph(RectRenderer rects, TextRenderer text, PixelRect area, int frame)
    {
        const int samples = 120;
        const int scaleMax = 20;
        const int gridStep = 5;
        var atlas = text.Atlas;

        // Scale labels sit in a gutter left of the plot, centred on their grid lines, so the plot leaves half a
        // line above and below for the top and bottom labels.
        var gutter = (2 * atlas.Advance) + 8;
        var halfLine = atlas.LineHeight / 2;
        var plot = new PixelRect(area.X + gutter, area.Y + halfLine, area.Width - gutter, area.Height - (2 * halfLine));
        rects.FillRect(plot, Background);
        for (var gridValue = 0; gridValue <= scaleMax; gridValue += gridStep)
        {
            var gridY = (int)MathF.Round(plot.Bottom - 1 - ((plot.Height - 1) * gridValue / (float)scaleMax));
            rects.FillRect(plot.X, gridY, plot.Width, 1, gridValue == 0 ? PanelBorder : GridLine);
            var label = gridValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
            text.DrawText(label, plot.X - 6 - (label.Length * atlas.Advance), gridY - (atlas.LineHeight / 2), GridLabel);
        }

        Span<Vector2> points = stackalloc Vector2[samples];
        for (var i = 0; i < samples; i++)
        {
            var value = Math.Min(TokenMilliseconds(frame - samples + 1 + i), scaleMax);
            points[i] = new Vector2(
                plot.X + 1 + ((plot.Width - 3) * i / (float)(samples - 1)),
                plot.Bottom - 1 - ((plot.Height - 1) * value / scaleMax));
        }

        // A faint area under the curve, one whole-pixel column strip per sample so strips neither overlap nor gap.
        var fill = GraphLine.WithAlpha(0.12f);
        for (var i = 0; i + 1 < samples; i++)
        {
            var left = MathF.Round(points[i].X);
            var top = MathF.Round(MathF.Min(points[i].Y, points[i + 1].Y));
            rects.FillRect(left, top, MathF.Round(points[i + 1].X) - left, plot.Bottom - 1 - top, fill);
        }

        rects.DrawPolyline(points, 1.5f, GraphLine);
    }

    // A deterministic, plausible-looking ms/token series: a slow drift, jitter and an occasional spike.
    private static float TokenMilliseconds(int token) =>
        11.5f + (2.2f * MathF.Sin(token * 0.13f)) + (0.6f * MathF.Sin(token * 0.71f)) + (token % 29 == 0 ? 3.5f : 0f);

    /// <summary>Where things go in a framebuffer of a given size.</summary>
    private sealed record WindowDemoScene(int Width, int Height, PixelRect TextArea, PixelRect Panel, int Columns)
    {
        public static WindowDemoScene For(int width, int height, GlyphAtlas atlas)
        {
            var top = HeaderHeight + 16;
            var panel = new PixelRect(width - Margin - PanelWidth, top, PanelWidth, Math.Max(1, height - top - Margin));
            var textWidth = Math.Max(atlas.Advance, panel.X - (2 * Margin));
            var textArea = new PixelRect(Margin, top + 4, textWidth, Math.Max(atlas.LineHeight, height - top - 4 - Margin));
            return new WindowDemoScene(width, height, textArea, panel, Math.Max(1, textWidth / atlas.Advance));
        }
    }
}
