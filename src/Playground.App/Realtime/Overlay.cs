// The timing overlay: GPU milliseconds per pass as bars, a rolling graph of ms per token, and the run's figures.
using System.Globalization;
using System.Numerics;
using Playground.App.Text;
using Playground.App.Window;
using Playground.Gpu.Gl;

namespace Playground.App.Realtime;

/// <summary>Everything the overlay shows, as plain data: built from the session each frame.</summary>
/// <param name="ModelName">What the user called the model.</param>
/// <param name="ParameterCount">The model's parameters.</param>
/// <param name="Backend">"cpu" or "gpu"; null while the model thread is starting.</param>
/// <param name="Renderer">GL_RENDERER and version of the GPU context; null on the CPU.</param>
/// <param name="Position">Tokens in the context.</param>
/// <param name="ContextSize">n_positions.</param>
/// <param name="Sampling">The sampling settings in words.</param>
/// <param name="TokensPerSecond">Decode speed over the last steps.</param>
/// <param name="FramesPerSecond">Frames presented per second.</param>
/// <param name="PassMilliseconds">GPU ms per token by pass kind; null when the backend has no GPU timings.</param>
/// <param name="MillisecondsPerToken">Wall time of the last decode steps, oldest first.</param>
/// <param name="GraphCapacity">How many steps the graph spans.</param>
/// <param name="Status">Extra lines: shader reload result, live parity verdict.</param>
public sealed record OverlayModel(
    string ModelName,
    long ParameterCount,
    string? Backend,
    string? Renderer,
    int Position,
    int ContextSize,
    string Sampling,
    double TokensPerSecond,
    double FramesPerSecond,
    IReadOnlyDictionary<PassKind, double>? PassMilliseconds,
    IReadOnlyList<double> MillisecondsPerToken,
    int GraphCapacity,
    IReadOnlyList<StatusLine> Status)
{
    /// <summary>The overlay's view of a session.</summary>
    public static OverlayModel From(RealtimeSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new OverlayModel(
            session.Model.Name,
            session.Model.Config.ParameterCount,
            session.Backend,
            session.Renderer,
            session.Position,
            session.Model.Config.NPositions,
            SamplingControls.Describe(session.Sampling),
            session.TokenTimes.TokensPerSecond(),
            session.FrameRate.PerSecond,
            session.Backend == "cpu" ? null : session.PassBars.MillisecondsPerToken,
            [.. session.TokenTimes.Milliseconds],
            session.TokenTimes.Capacity,
            session.ExtensionStatus());
    }
}

/// <summary>Draws an <see cref="OverlayModel"/> into a panel, with the UI renderers.</summary>
public static class OverlayRenderer
{
    private const int Padding = 14;
    private const int LabelColumns = 10;
    private const int MinGraphHeight = 40;
    private const string ContextLabel = "context";
    private const int GridSteps = 4;

    /// <summary>Pass kinds as the overlay names them, in the order a forward pass runs them.</summary>
    public static IReadOnlyList<(PassKind Kind, string Label)> Passes { get; } =
    [
        (PassKind.Embed, "embed"),
        (PassKind.LayerNorm, "layernorm"),
        (PassKind.Qkv, "qkv"),
        (PassKind.Attention, "attention"),
        (PassKind.Proj, "proj"),
        (PassKind.Mlp, "mlp"),
        (PassKind.LmHead, "lm_head"),
    ];

    public static void Draw(TextRenderer text, RectRenderer rects, PixelRect panel, OverlayModel model)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(rects);
        ArgumentNullException.ThrowIfNull(model);
        var atlas = text.Atlas;
        rects.FillRect(panel, Theme.PanelBackground);
        rects.StrokeRect(panel, 1, Theme.Border);

        var x = panel.X + Padding;
        var width = panel.Width - (2 * Padding);
        var bottom = panel.Bottom - 10;
        var columns = Math.Max(1, width / atlas.Advance);
        var y = DrawPasses(text, rects, model, x, panel.Y + 12, width);

        // The figures and status lines below the graph; the graph takes the height they leave. When that is too
        // little, long values are cut to one line, and then the graph gives way.
        var graphTitleHeight = 14 + atlas.LineHeight + 4;
        var stats = StatLines(model, columns, wrap: true);
        var status = StatusLines(model, columns, wrap: true);
        var graphHeight = bottom - y - graphTitleHeight - TextBlockHeight(stats.Count, status.Count, atlas.LineHeight);
        if (graphHeight < MinGraphHeight)
        {
            stats = StatLines(model, columns, wrap: false);
            graphHeight = bottom - y - graphTitleHeight - TextBlockHeight(stats.Count, status.Count, atlas.LineHeight);
        }

        // Without a graph, status lines (a failed reload's messages) lose wrapped rows, longest first, only as far
        // as they must to fit.
        if (graphHeight < MinGraphHeight)
        {
            var rows = ((bottom - y - TextBlockHeight(stats.Count, 1, atlas.LineHeight)) / atlas.LineHeight) + 1;
            status = FitStatusLines(model, columns, Math.Max(model.Status.Count, rows));
        }

        if (graphHeight >= MinGraphHeight)
        {
            y += 14;
            var title = string.Create(CultureInfo.InvariantCulture, $"ms per token · last {model.GraphCapacity} tokens");
            text.DrawText(title, x, y, Theme.DimText);
            y += atlas.LineHeight + 4;
            DrawGraph(text, rects, new PixelRect(x, y, width, graphHeight), model);
            y += graphHeight;
        }

        y += 12;
        foreach (var (label, value, color) in stats)
        {
            if (y + atlas.LineHeight > bottom)
            {
                return;
            }

            text.DrawText(label, x, y, Theme.LabelText);
            var valueX = x + (LabelColumns * atlas.Advance);
            text.DrawText(value, valueX, y, color);
            if (label == ContextLabel && model.ContextSize > 0)
            {
                // A gauge of how full the context is, right of the numbers.
                var gaugeX = valueX + ((value.Length + 1) * atlas.Advance);
                var gaugeWidth = x + width - gaugeX;
                if (gaugeWidth > 20)
                {
                    var gaugeY = y + (atlas.LineHeight / 2) - 2;
                    rects.FillRect(gaugeX, gaugeY, gaugeWidth, 5, Theme.BarTrack);
                    var filled = MathF.Round(gaugeWidth * Math.Clamp(model.Position / (float)model.ContextSize, 0f, 1f));
                    rects.FillRect(gaugeX, gaugeY, filled, 5, Theme.ContextBar);
                }
            }

            y += atlas.LineHeight;
        }

        y += 8;
        foreach (var (line, tone) in status)
        {
            if (y + atlas.LineHeight > bottom)
            {
                return;
            }

            text.DrawText(line, x, y, Theme.For(tone));
            y += atlas.LineHeight;
        }
    }

    private static int TextBlockHeight(int statLines, int statusLines, int lineHeight) =>
        12 + (statLines * lineHeight) + (statusLines > 0 ? 8 + (statusLines * lineHeight) : 0);

    // Bars of GPU ms per token, one per pass kind, scaled to the slowest; returns the y below them.
    private static int DrawPasses(TextRenderer text, RectRenderer rects, OverlayModel model, int x, int y, int width)
    {
        var atlas = text.Atlas;
        if (model.PassMilliseconds is not { } passes)
        {
            text.DrawText("GPU timings: n/a (cpu backend)", x, y, Theme.DimText);
            return y + atlas.LineHeight;
        }

        text.DrawText("GPU ms per token", x, y, Theme.DimText);
        var total = passes.Count == 0 ? "…" : "total " + FormatMs(passes.Values.Sum());
        text.DrawText(total, x + width - (total.Length * atlas.Advance), y, Theme.KeyText);
        y += atlas.LineHeight + 6;
        const int valueColumns = 6;
        var barX = x + (LabelColumns * atlas.Advance);
        var barWidth = width - (LabelColumns * atlas.Advance) - (valueColumns * atlas.Advance) - 8;
        var slowest = passes.Count == 0 ? 0 : passes.Values.Max();
        var barHeight = atlas.LineHeight - 6;
        foreach (var (kind, label) in Passes)
        {
            var ms = passes.GetValueOrDefault(kind, double.NaN);
            text.DrawText(label, x, y, Theme.GeneratedText);
            rects.FillRect(barX, y + 3, barWidth, barHeight, Theme.BarTrack);
            if (slowest > 0 && ms > 0)
            {
                rects.FillRect(barX, y + 3, MathF.Max(2, MathF.Round((float)(barWidth * ms / slowest))), barHeight, Theme.Bar);
            }

            var value = double.IsNaN(ms) ? "…" : FormatMs(ms);
            text.DrawText(value, x + width - (value.Length * atlas.Advance), y, Theme.LabelText);
            y += atlas.LineHeight + 1;
        }

        return y;
    }

    private static void DrawGraph(TextRenderer text, RectRenderer rects, PixelRect area, OverlayModel model)
    {
        var atlas = text.Atlas;
        var samples = model.MillisecondsPerToken;
        // Four grid steps of a round size (1, 2, 2.5 or 5 times a power of ten) that together reach the slowest step.
        var gridStep = NiceCeiling((samples.Count == 0 ? 1 : samples.Max()) / GridSteps);
        var scale = gridStep * GridSteps;
        var labels = Enumerable.Range(0, GridSteps + 1).Select(i => gridStep * i).ToArray();
        var gutter = (labels.Max(value => FormatAxis(value).Length) * atlas.Advance) + 8;
        var halfLine = atlas.LineHeight / 2;
        var plot = new PixelRect(area.X + gutter, area.Y + halfLine, area.Width - gutter, area.Height - (2 * halfLine));
        rects.FillRect(plot, Theme.Background);
        // In a short graph, labelling every grid line would stack the labels; the ends are enough there.
        var labelEvery = (plot.Height / GridSteps) >= atlas.LineHeight ? 1 : GridSteps;
        for (var i = 0; i <= GridSteps; i++)
        {
            var value = labels[i];
            var gridY = (int)MathF.Round(plot.Bottom - 1 - (float)((plot.Height - 1) * value / scale));
            rects.FillRect(plot.X, gridY, plot.Width, 1, value == 0 ? Theme.Border : Theme.GridLine);
            if (i % labelEvery == 0)
            {
                var label = FormatAxis(value);
                text.DrawText(label, plot.X - 6 - (label.Length * atlas.Advance), gridY - halfLine, Theme.GridLabel);
            }
        }

        if (samples.Count == 0)
        {
            return;
        }

        // Newest on the right edge; the graph fills leftwards as tokens arrive.
        var step = (plot.Width - 3) / (float)Math.Max(1, model.GraphCapacity - 1);
        var points = new Vector2[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            var value = (float)Math.Min(samples[i], scale);
            points[i] = new Vector2(
                plot.Right - 2 - ((samples.Count - 1 - i) * step),
                plot.Bottom - 1 - ((plot.Height - 1) * value / (float)scale));
        }

        var fill = Theme.GraphLine.WithAlpha(0.12f);
        for (var i = 0; i + 1 < points.Length; i++)
        {
            var left = MathF.Round(points[i].X);
            var top = MathF.Round(MathF.Min(points[i].Y, points[i + 1].Y));
            rects.FillRect(left, top, MathF.Round(points[i + 1].X) - left, plot.Bottom - 1 - top, fill);
        }

        if (points.Length == 1)
        {
            rects.DrawLine(points[0], points[0], 2f, Theme.GraphLine);
        }

        rects.DrawPolyline(points, 1.5f, Theme.GraphLine);
    }

    // The figures under the graph: (label, value, value colour); long values wrap, or are cut with an ellipsis.
    private static List<(string Label, string Value, Rgba Color)> StatLines(OverlayModel model, int columns, bool wrap)
    {
        var inv = CultureInfo.InvariantCulture;
        var valueColumns = Math.Max(1, columns - LabelColumns);
        var lines = new List<(string, string, Rgba)>();

        void Add(string label, string value, Rgba color)
        {
            if (!wrap)
            {
                lines.Add((label, Cut(value, valueColumns), color));
                return;
            }

            var first = true;
            foreach (var piece in Wrap(value, valueColumns))
            {
                lines.Add((first ? label : string.Empty, piece, color));
                first = false;
            }
        }

        var tokensPerSecond = model.TokensPerSecond > 0 ? model.TokensPerSecond.ToString(model.TokensPerSecond < 10 ? "0.00" : "0.0", inv) : "…";
        var framesPerSecond = model.FramesPerSecond > 0 ? model.FramesPerSecond.ToString("0.0", inv) : "…";
        Add("tokens/s", $"{tokensPerSecond,-8}frames/s  {framesPerSecond}", Theme.KeyText);
        Add(ContextLabel, string.Create(inv, $"{model.Position} / {model.ContextSize}"), Theme.GeneratedText);
        Add("model", $"{model.ModelName} · {FormatParameters(model.ParameterCount)} params", Theme.GeneratedText);
        Add("backend", model.Backend is null ? "starting…" : model.Renderer is null ? model.Backend : $"{model.Backend} · {model.Renderer}", Theme.GeneratedText);
        Add("sampling", model.Sampling, Theme.GeneratedText);
        return lines;
    }

    private static List<(string Text, StatusTone Tone)> StatusLines(OverlayModel model, int columns, bool wrap) => wrap
        ? model.Status.SelectMany(line => Wrap(line.Text, columns).Select(piece => (piece, line.Tone))).ToList()
        : model.Status.Select(line => (Cut(line.Text, columns), line.Tone)).ToList();

    // The status lines wrapped into at most maxRows rows: the line with the most rows gives one up (its last kept
    // row ending in an ellipsis) until they fit or every line is down to one row.
    private static List<(string Text, StatusTone Tone)> FitStatusLines(OverlayModel model, int columns, int maxRows)
    {
        var pieces = model.Status.Select(line => Wrap(line.Text, columns)).ToList();
        var kept = pieces.Select(p => Math.Max(1, p.Count)).ToArray();
        while (kept.Sum() > maxRows && kept.Max() > 1)
        {
            kept[Array.IndexOf(kept, kept.Max())]--;
        }

        var rows = new List<(string, StatusTone)>();
        for (var i = 0; i < pieces.Count; i++)
        {
            var tone = model.Status[i].Tone;
            for (var row = 0; row < kept[i]; row++)
            {
                var piece = row < pieces[i].Count ? pieces[i][row] : string.Empty;
                var cut = row == kept[i] - 1 && kept[i] < pieces[i].Count;
                rows.Add((cut ? Cut(piece + " …", columns) : piece, tone));
            }
        }

        return rows;
    }

    private static string Cut(string value, int columns) =>
        value.Length <= columns ? value : string.Concat(value.AsSpan(0, Math.Max(0, columns - 1)), "…");

    private static List<string> Wrap(string value, int columns)
    {
        var wrapped = new List<WrappedLine>();
        WordWrap.Wrap(value, columns, wrapped);
        return wrapped.Select(line => value.Substring(line.Start, line.Length)).ToList();
    }

    /// <summary>The smallest 1, 2, 2.5 or 5 times a power of ten that is at least <paramref name="value"/>.</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (factor * power >= value * (1 - 1e-12))
            {
                return factor * power;
            }
        }

        return 10 * power;
    }

    /// <summary>Milliseconds with about three significant digits: 0.35, 7.61, 92.2, 241.</summary>
    public static string FormatMs(double milliseconds)
    {
        var format = milliseconds switch
        {
            < 10 => "0.00",
            < 100 => "0.0",
            _ => "0",
        };
        return milliseconds.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Parameter counts as people say them: 0.9 M, 124.4 M, 1.56 B.</summary>
    public static string FormatParameters(long count) => count >= 1_000_000_000
        ? (count / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " B"
        : (count / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " M";

    private static string FormatAxis(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
