// Draws one frame of the window: header, the streaming text, the overlay panel and the footer with status and keys.
using System.Globalization;
using Playground.App.Text;
using Playground.App.Window;
using Silk.NET.OpenGL;

namespace Playground.App.Realtime;

/// <summary>Owns the UI renderers of the window's context and draws a session into it. Use on the window's thread.</summary>
public sealed class RealtimeRenderer : IDisposable
{
    private const int HelpKeyStyle = 0;
    private const int HelpTextStyle = 1;
    private static readonly Rgba[] TranscriptColors = [Theme.PromptText, Theme.GeneratedText];
    private static readonly Rgba[] HelpColors = [Theme.KeyText, Theme.DimText];

    private readonly GL gl;
    private readonly TextRenderer text;
    private readonly RectRenderer rects;
    private readonly TextLayout helpLayout = new();
    private string helpText = string.Empty;
    private StyleRun[] helpRuns = [];

    /// <exception cref="UiShaderException">The UI shaders under <paramref name="shaderRoot"/> are missing or broken.</exception>
    public RealtimeRenderer(GL gl, GlyphAtlas atlas, string? shaderRoot = null)
    {
        ArgumentNullException.ThrowIfNull(gl);
        ArgumentNullException.ThrowIfNull(atlas);
        this.gl = gl;
        text = new TextRenderer(gl, atlas, shaderRoot);
        try
        {
            rects = new RectRenderer(gl, shaderRoot);
        }
        catch
        {
            text.Dispose();
            throw;
        }
    }

    public GlyphAtlas Atlas => text.Atlas;

    /// <summary>Lays out a framebuffer of the given size for the session's current state (overlay shown or not, help lines).</summary>
    public ScreenLayout LayoutFor(RealtimeSession session, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(session);
        var helpLines = WrapHelp(session.IsEditing ? KeyBindings.EditingHelp : KeyBindings.Help, width);
        return ScreenLayout.For(width, height, Atlas.Advance, Atlas.LineHeight, session.OverlayVisible, 1 + helpLines);
    }

    /// <summary>Draws the whole frame into the default framebuffer.</summary>
    public void Draw(RealtimeSession session, ScreenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(layout);
        gl.Viewport(0, 0, (uint)layout.Width, (uint)layout.Height);
        var background = Theme.Background;
        gl.ClearColor(background.R / 255f, background.G / 255f, background.B / 255f, 1f);
        gl.Clear(ClearBufferMask.ColorBufferBit);

        DrawHeader(session, layout);
        DrawTranscript(session, layout);
        if (layout.HasPanel)
        {
            OverlayRenderer.Draw(text, rects, layout.Panel, OverlayModel.From(session));
        }

        DrawFooter(session, layout);

        // Rectangles first, so that text lies on top of panels, bars and highlights.
        rects.Flush(layout.Width, layout.Height);
        text.Flush(layout.Width, layout.Height);
    }

    public void Dispose()
    {
        rects.Dispose();
        text.Dispose();
    }

    private void DrawHeader(RealtimeSession session, ScreenLayout layout)
    {
        var header = layout.Header;
        rects.FillRect(header, Theme.HeaderBackground);
        rects.FillRect(header.X, header.Bottom - 1, header.Width, 1, Theme.Border);
        var y = header.Y + ((header.Height - Atlas.LineHeight) / 2);
        var inv = CultureInfo.InvariantCulture;
        var speed = session.TokenTimes.Count > 0 ? session.TokenTimes.TokensPerSecond().ToString("0.0", inv) : "…";
        var fps = session.FrameRate.PerSecond > 0 ? session.FrameRate.PerSecond.ToString("0", inv) : "…";
        var right = $"{speed} tokens/s · {fps} frames/s";
        text.DrawText(right, header.Right - ScreenLayout.Margin - (right.Length * Atlas.Advance), y, Theme.DimText);

        // The title gives way to the figures on the right when the window is narrow or the model name long.
        const string title = "playground";
        var room = ((header.Width - (2 * ScreenLayout.Margin)) / Atlas.Advance) - right.Length - 2;
        if (room < title.Length)
        {
            return;
        }

        var x = text.DrawText(title, ScreenLayout.Margin, y, Theme.KeyText);
        var detail = $" · {session.Model.Name} · {session.Backend ?? "…"}";
        var detailRoom = room - title.Length;
        if (detail.Length > detailRoom)
        {
            detail = detailRoom > 1 ? string.Concat(detail.AsSpan(0, detailRoom - 1), "…") : string.Empty;
        }

        text.DrawText(detail, x, y, Theme.DimText);
    }

    private void DrawTranscript(RealtimeSession session, ScreenLayout layout)
    {
        var area = layout.TextArea;
        var transcript = session.Transcript;
        var lines = transcript.LayoutFor(layout.Columns);
        var followFirst = Math.Max(0, lines.LineCount - layout.Lines);
        var firstLine = Math.Clamp(session.PinnedFirstLine ?? followFirst, 0, followFirst);
        var shown = transcript.Text;

        // The prompt sits on a faint band, so where it ends stays visible however the colours are seen.
        var endLine = Math.Min(lines.LineCount, firstLine + layout.Lines);
        for (var line = firstLine; line < endLine; line++)
        {
            foreach (var segment in lines.SegmentsOf(line))
            {
                if (segment.Style == Transcript.PromptStyle)
                {
                    var columns = WordWrap.CountColumns(shown.Slice(segment.Start, segment.Length));
                    rects.FillRect(
                        area.X + (segment.Column * Atlas.Advance) - 2,
                        area.Y + ((line - firstLine) * Atlas.LineHeight),
                        (columns * Atlas.Advance) + 4,
                        Atlas.LineHeight,
                        Theme.PromptBackground);
                }
            }
        }

        text.DrawLayout(shown, lines, firstLine, layout.Lines, area.X, area.Y, TranscriptColors);

        // A block caret after the newest text while more is coming.
        var lastLine = lines.LineCount - 1;
        if (!session.IsGenerationOver && lastLine >= firstLine && lastLine < endLine)
        {
            var last = lines.Lines[lastLine];
            var column = Math.Min(WordWrap.CountColumns(shown.Slice(last.Start, last.Length)), layout.Columns - 1);
            var caret = session.IsPaused ? Theme.Pending.WithAlpha(0.7f) : Theme.Caret;
            rects.FillRect(
                area.X + (column * Atlas.Advance),
                area.Y + ((lastLine - firstLine) * Atlas.LineHeight) + 2,
                Atlas.Advance,
                Atlas.LineHeight - 3,
                caret);
        }

        // A scroll bar when the text is longer than the area.
        if (lines.LineCount > layout.Lines)
        {
            var trackX = area.Right + 6;
            rects.FillRect(trackX, area.Y, 3, area.Height, Theme.BarTrack);
            var thumbHeight = Math.Max(12, area.Height * layout.Lines / lines.LineCount);
            var thumbY = area.Y + ((area.Height - thumbHeight) * firstLine / Math.Max(1, followFirst));
            rects.FillRect(trackX, thumbY, 3, thumbHeight, session.PinnedFirstLine is null ? Theme.GridLabel : Theme.DimText);
        }
    }

    private void DrawFooter(RealtimeSession session, ScreenLayout layout)
    {
        var footer = layout.Footer;
        rects.FillRect(footer, Theme.HeaderBackground);
        rects.FillRect(footer.X, footer.Y, footer.Width, 1, Theme.Border);
        var x = ScreenLayout.Margin;
        var y = footer.Y + 10;
        var columns = Math.Max(1, (footer.Width - (2 * ScreenLayout.Margin)) / Atlas.Advance);
        if (session.IsEditing)
        {
            const string label = "prompt › ";
            var typed = session.Editor.Text;
            // The end of a long prompt, where the typing happens, stays visible.
            var room = Math.Max(1, columns - label.Length - 1);
            var shownColumns = WordWrap.CountColumns(typed);
            var visible = shownColumns <= room ? typed : SkipColumns(typed, shownColumns - room);
            var penX = text.DrawText(label, x, y, Theme.PromptText);
            penX = text.DrawText(visible, penX, y, Theme.KeyText);
            rects.FillRect(penX, y + 2, Atlas.Advance, Atlas.LineHeight - 3, Theme.Caret);
        }
        else
        {
            var status = session.Status;
            var line = status.Text.Length > columns ? string.Concat(status.Text.AsSpan(0, columns - 1), "…") : status.Text;
            text.DrawText(line, x, y, status.Tone == StatusTone.Normal ? Theme.LabelText : Theme.For(status.Tone));
        }

        WrapHelp(session.IsEditing ? KeyBindings.EditingHelp : KeyBindings.Help, layout.Width);
        text.DrawLayout(helpText, helpLayout, 0, helpLayout.LineCount, x, y + Atlas.LineHeight, HelpColors);
    }

    // Lays out the help entries ("key what") for a framebuffer width; returns the number of lines.
    private int WrapHelp(IReadOnlyList<(string Key, string Help)> entries, int width)
    {
        var builder = new System.Text.StringBuilder();
        var runs = new List<StyleRun>();
        foreach (var (key, help) in entries)
        {
            if (builder.Length > 0)
            {
                builder.Append("  ");
            }

            runs.Add(new StyleRun(builder.Length, HelpKeyStyle));
            builder.Append(key).Append(' ');
            runs.Add(new StyleRun(builder.Length, HelpTextStyle));
            builder.Append(help);
        }

        helpText = builder.ToString();
        helpRuns = [.. runs];
        var columns = Math.Max(1, (width - (2 * ScreenLayout.Margin)) / Atlas.Advance);
        helpLayout.Layout(helpText, helpRuns, columns);
        return helpLayout.LineCount;
    }

    private static string SkipColumns(string value, int columns)
    {
        var index = 0;
        for (var skipped = 0; skipped < columns && index < value.Length; skipped++)
        {
            index += char.IsHighSurrogate(value[index]) && index + 1 < value.Length ? 2 : 1;
        }

        return value[index..];
    }
}
