// A monospace font rasterised once with SkiaSharp into a single-channel coverage atlas of fixed-size cells.
using System.Collections.Frozen;
using System.Text;
using SkiaSharp;

namespace Playground.App.Text;

/// <summary>Where the atlas font came from, in the order they are tried.</summary>
public enum FontOrigin
{
    /// <summary>A font file on disk (DejaVu Sans Mono by default).</summary>
    File,

    /// <summary>fontconfig's match for the "monospace" family.</summary>
    Fontconfig,

    /// <summary>Skia's default typeface: the last resort.</summary>
    SkiaDefault,
}

/// <summary>
/// Coverage bitmaps (one byte per pixel, 0..255, top row first) for a fixed set of characters, laid out as a grid
/// of equal slots. Every slot holds one monospace cell of <see cref="Advance"/> x <see cref="LineHeight"/> pixels
/// surrounded by <see cref="Padding"/> transparent pixels, so a glyph is drawn by copying its whole slot to
/// (pen x - Padding, line top - Padding), and neighbouring slots never bleed into each other when sampled.
/// Characters outside the set, and characters the font lacks, map to the U+FFFD replacement glyph.
/// </summary>
public sealed class GlyphAtlas
{
    /// <summary>The font tried first.</summary>
    public const string PreferredFontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

    /// <summary>The character every unknown one is drawn as.</summary>
    public const int ReplacementCodePoint = 0xFFFD;

    private const int SlotsPerRow = 16;

    // Typographic punctuation and UI symbols that show up in generated English text and in the window's hints.
    private static readonly int[] ExtraCodePoints =
    [
        0x2013, 0x2014, // – —
        0x2018, 0x2019, 0x201C, 0x201D, // ‘ ’ “ ”
        0x2022, 0x2026, // • …
        0x20AC, 0x2122, 0x2212, // € ™ −
        0x2190, 0x2191, 0x2192, 0x2193, // ← ↑ → ↓
    ];

    private readonly byte[] pixels;
    private readonly int[] glyphOfLatin1; // Indexed by code point 0..255.
    private readonly FrozenDictionary<int, int> glyphOfOther;
    private readonly int[] codePoints;

    private GlyphAtlas(
        string fontFamily,
        FontOrigin fontOrigin,
        string fontSource,
        float pixelSize,
        CellMetrics metrics,
        int padding,
        int width,
        int height,
        byte[] pixels,
        int[] codePoints,
        int[] glyphOfLatin1,
        FrozenDictionary<int, int> glyphOfOther)
    {
        FontFamily = fontFamily;
        FontOrigin = fontOrigin;
        FontSource = fontSource;
        PixelSize = pixelSize;
        Advance = metrics.Advance;
        LineHeight = metrics.LineHeight;
        Ascent = metrics.Ascent;
        Padding = padding;
        Width = width;
        Height = height;
        this.pixels = pixels;
        this.codePoints = codePoints;
        this.glyphOfLatin1 = glyphOfLatin1;
        this.glyphOfOther = glyphOfOther;
        ReplacementGlyph = glyphOfOther[ReplacementCodePoint];
    }

    /// <summary>The font's family name, e.g. "DejaVu Sans Mono".</summary>
    public string FontFamily { get; }

    /// <summary>How the font was found.</summary>
    public FontOrigin FontOrigin { get; }

    /// <summary>The file path, or the lookup that produced the font.</summary>
    public string FontSource { get; }

    /// <summary>One line naming the font used, for logs and the window's status line.</summary>
    public string FontDescription => $"{FontFamily} {PixelSize:0.#}px ({FontSource})";

    /// <summary>The font size the glyphs were rasterised at, in pixels per em.</summary>
    public float PixelSize { get; }

    /// <summary>Width of one character cell in pixels; the pen moves this far per character.</summary>
    public int Advance { get; }

    /// <summary>Distance between the tops of consecutive lines in pixels.</summary>
    public int LineHeight { get; }

    /// <summary>Distance from the top of a line to its baseline in pixels.</summary>
    public int Ascent { get; }

    /// <summary>Transparent border around each cell inside its slot.</summary>
    public int Padding { get; }

    /// <summary>Slot width: a cell plus padding on both sides.</summary>
    public int SlotWidth => Advance + (2 * Padding);

    /// <summary>Slot height: a line plus padding above and below.</summary>
    public int SlotHeight => LineHeight + (2 * Padding);

    /// <summary>Atlas width in pixels.</summary>
    public int Width { get; }

    /// <summary>Atlas height in pixels.</summary>
    public int Height { get; }

    /// <summary>Coverage, <see cref="Width"/> x <see cref="Height"/> bytes, row-major, top row first.</summary>
    public ReadOnlySpan<byte> Pixels => pixels;

    /// <summary>Number of glyphs (slots) in the atlas.</summary>
    public int GlyphCount => codePoints.Length;

    /// <summary>The glyph index of U+FFFD.</summary>
    public int ReplacementGlyph { get; }

    /// <summary>The code point each glyph index was rasterised from.</summary>
    public IReadOnlyList<int> CodePoints => codePoints;

    /// <summary>
    /// Builds the atlas from the first usable font: DejaVu Sans Mono, then fontconfig's "monospace", then Skia's
    /// default typeface.
    /// </summary>
    public static GlyphAtlas Create(float pixelSize = 16f) => Create(pixelSize, [PreferredFontFile]);

    /// <summary>As <see cref="Create(float)"/>, trying <paramref name="fontFiles"/> in order before fontconfig.</summary>
    internal static GlyphAtlas Create(float pixelSize, IReadOnlyList<string> fontFiles)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelSize, 4f);
        var (typeface, origin, source) = FindTypeface(fontFiles);
        try
        {
            return Rasterise(typeface, origin, source, pixelSize);
        }
        finally
        {
            // Skia's default typeface is a shared instance; only the ones found here are ours to release.
            if (origin != FontOrigin.SkiaDefault)
            {
                typeface.Dispose();
            }
        }
    }

    /// <summary>The glyph to draw for <paramref name="codePoint"/>; tab, CR and LF draw as blank space.</summary>
    public int GlyphIndex(int codePoint)
    {
        if ((uint)codePoint < (uint)glyphOfLatin1.Length)
        {
            return glyphOfLatin1[codePoint];
        }

        return glyphOfOther.TryGetValue(codePoint, out var glyph) ? glyph : ReplacementGlyph;
    }

    /// <summary>The glyph to draw for <paramref name="rune"/>.</summary>
    public int GlyphIndex(Rune rune) => GlyphIndex(rune.Value);

    /// <summary>Top-left pixel of a glyph's slot in the atlas.</summary>
    public (int X, int Y) SlotOrigin(int glyph)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(glyph);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(glyph, GlyphCount);
        return (glyph % SlotsPerRow * SlotWidth, glyph / SlotsPerRow * SlotHeight);
    }

    /// <summary>Sum of the coverage bytes in a glyph's slot: zero for blank glyphs.</summary>
    public long Coverage(int glyph)
    {
        var (x0, y0) = SlotOrigin(glyph);
        long sum = 0;
        for (var y = y0; y < y0 + SlotHeight; y++)
        {
            foreach (var value in pixels.AsSpan((y * Width) + x0, SlotWidth))
            {
                sum += value;
            }
        }

        return sum;
    }

    private static (SKTypeface Typeface, FontOrigin Origin, string Source) FindTypeface(IReadOnlyList<string> fontFiles)
    {
        foreach (var file in fontFiles)
        {
            if (File.Exists(file) && SKTypeface.FromFile(file) is { } fromFile)
            {
                if (HasLatinLetters(fromFile))
                {
                    return (fromFile, FontOrigin.File, file);
                }

                fromFile.Dispose();
            }
        }

        if (SKFontManager.Default.MatchFamily("monospace") is { } matched)
        {
            if (HasLatinLetters(matched))
            {
                return (matched, FontOrigin.Fontconfig, "fontconfig match for \"monospace\"");
            }

            matched.Dispose();
        }

        return (SKTypeface.Default, FontOrigin.SkiaDefault, "Skia default typeface");
    }

    // An empty or symbol-only typeface would turn every letter into the replacement glyph.
    private static bool HasLatinLetters(SKTypeface typeface) => typeface.ContainsGlyphs("Aa");

    private static GlyphAtlas Rasterise(SKTypeface typeface, FontOrigin origin, string source, float pixelSize)
    {
        using var font = new SKFont(typeface, pixelSize)
        {
            Edging = SKFontEdging.Antialias,
            Hinting = SKFontHinting.Slight,
            Subpixel = false,
        };

        var covered = CoveredCodePoints(font);
        var metrics = MeasureCell(font, covered);
        var padding = Math.Max(2, (int)MathF.Ceiling(pixelSize / 8));
        var slotWidth = metrics.Advance + (2 * padding);
        var slotHeight = metrics.LineHeight + (2 * padding);
        var width = SlotsPerRow * slotWidth;
        var height = ((covered.Count + SlotsPerRow - 1) / SlotsPerRow) * slotHeight;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Alpha8, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true })
        {
            canvas.Clear(SKColors.Transparent);
            for (var glyph = 0; glyph < covered.Count; glyph++)
            {
                var cellX = (glyph % SlotsPerRow * slotWidth) + padding;
                var cellY = (glyph / SlotsPerRow * slotHeight) + padding;
                canvas.Save();
                canvas.ClipRect(SKRect.Create(cellX - padding, cellY - padding, slotWidth, slotHeight));
                var codePoint = covered[glyph];
                if (codePoint == ReplacementCodePoint && font.GetGlyph(codePoint) == 0)
                {
                    DrawBoxReplacement(canvas, paint, cellX, cellY, metrics);
                }
                else
                {
                    var text = char.ConvertFromUtf32(codePoint);
                    // Proportional fallback fonts are centred in the monospace cell; monospace glyphs fill it.
                    var inset = (metrics.Advance - font.MeasureText(text)) / 2;
                    canvas.DrawText(text, cellX + inset, cellY + metrics.Ascent, SKTextAlign.Left, font, paint);
                }

                canvas.Restore();
            }
        }

        var pixels = CopyRows(bitmap, width, height);
        var replacement = covered.IndexOf(ReplacementCodePoint);
        var glyphOfLatin1 = new int[256];
        Array.Fill(glyphOfLatin1, replacement);
        var glyphOfOther = new Dictionary<int, int>();
        for (var glyph = 0; glyph < covered.Count; glyph++)
        {
            if (covered[glyph] < 256)
            {
                glyphOfLatin1[covered[glyph]] = glyph;
            }
            else
            {
                glyphOfOther[covered[glyph]] = glyph;
            }
        }

        // Whitespace controls occupy a column when they reach the renderer; a blank reads better than a box.
        glyphOfLatin1['\t'] = glyphOfLatin1['\n'] = glyphOfLatin1['\r'] = glyphOfLatin1[' '];

        return new GlyphAtlas(
            typeface.FamilyName,
            origin,
            source,
            pixelSize,
            metrics,
            padding,
            width,
            height,
            pixels,
            [.. covered],
            glyphOfLatin1,
            glyphOfOther.ToFrozenDictionary());
    }

    // The atlas set, minus characters this font has no glyph for (they fall back to the replacement glyph).
    private static List<int> CoveredCodePoints(SKFont font)
    {
        var wanted = Enumerable.Range(32, 126 - 32 + 1)
            .Concat(Enumerable.Range(160, 255 - 160 + 1))
            .Concat(ExtraCodePoints);
        var covered = wanted.Where(codePoint => font.GetGlyph(codePoint) != 0).ToList();
        covered.Add(ReplacementCodePoint);
        return covered;
    }

    private static CellMetrics MeasureCell(SKFont font, List<int> covered)
    {
        // A monospace font gives every glyph the same advance; for a proportional fallback the widest printable
        // ASCII glyph sets the cell so that nothing overlaps.
        var widest = covered
            .Where(codePoint => codePoint is > 32 and < 127)
            .Select(codePoint => font.MeasureText(char.ConvertFromUtf32(codePoint)))
            .DefaultIfEmpty(font.Size / 2)
            .Max();
        var fontMetrics = font.Metrics;
        var ascent = (int)MathF.Ceiling(-fontMetrics.Ascent);
        var descent = (int)MathF.Ceiling(fontMetrics.Descent);
        var leading = (int)MathF.Ceiling(Math.Max(0f, fontMetrics.Leading));
        return new CellMetrics(Math.Max(1, (int)MathF.Round(widest)), ascent + descent + leading, ascent);
    }

    // Used only when the font has no U+FFFD: a hollow box, the conventional "missing glyph" shape.
    private static void DrawBoxReplacement(SKCanvas canvas, SKPaint paint, int cellX, int cellY, CellMetrics metrics)
    {
        var capHeight = metrics.Ascent * 0.75f;
        var box = SKRect.Create(
            cellX + (metrics.Advance * 0.15f),
            cellY + metrics.Ascent - capHeight,
            metrics.Advance * 0.7f,
            capHeight);
        using var stroke = paint.Clone();
        stroke.Style = SKPaintStyle.Stroke;
        stroke.StrokeWidth = 1;
        canvas.DrawRect(box, stroke);
    }

    private static byte[] CopyRows(SKBitmap bitmap, int width, int height)
    {
        var source = bitmap.GetPixelSpan();
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            source.Slice(y * bitmap.RowBytes, width).CopyTo(pixels.AsSpan(y * width, width));
        }

        return pixels;
    }

    private readonly record struct CellMetrics(int Advance, int LineHeight, int Ascent);
}
