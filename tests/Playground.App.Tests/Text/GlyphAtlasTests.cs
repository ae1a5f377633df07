// The glyph atlas: which font is used, what each character maps to, and that slots hold their glyphs.
using Playground.App.Text;

namespace Playground.App.Tests.Text;

public sealed class GlyphAtlasTests
{
    // Rasterising takes a few milliseconds; one atlas serves every read-only test here.
    private static readonly Lazy<GlyphAtlas> SharedAtlas = new(() => GlyphAtlas.Create(16f));

    private static GlyphAtlas Atlas => SharedAtlas.Value;

    public static TheoryData<string, string> AccentedAndBase => new()
    {
        { "é", "e" },
        { "è", "e" },
        { "ñ", "n" },
        { "ü", "u" },
        { "ç", "c" },
        { "Å", "A" },
        { "É", "E" },
        { "Ö", "O" },
    };

    public static TheoryData<int> UnmappedCodePoints => new()
    {
        0x4E2D, // 中
        0x1F600, // 😀
        0x0007, // BEL
        0x0080, // C1 control
        0x009F, // C1 control
        0x0100, // Ā, just past Latin-1
    };

    [Fact]
    public void DejaVu_Sans_Mono_is_used_when_installed()
    {
        Assert.Equal(FontOrigin.File, Atlas.FontOrigin);
        Assert.Equal("DejaVu Sans Mono", Atlas.FontFamily);
        Assert.Equal(GlyphAtlas.PreferredFontFile, Atlas.FontSource);
        Assert.Contains("DejaVu Sans Mono", Atlas.FontDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Letter_A_has_coverage()
    {
        Assert.True(Atlas.Coverage(Atlas.GlyphIndex('A')) > 0);
    }

    [Fact]
    public void Space_is_blank()
    {
        Assert.Equal(0, Atlas.Coverage(Atlas.GlyphIndex(' ')));
    }

    [Theory]
    [MemberData(nameof(UnmappedCodePoints))]
    public void Code_point_outside_the_atlas_maps_to_the_visible_replacement_glyph(int codePoint)
    {
        Assert.Equal(Atlas.ReplacementGlyph, Atlas.GlyphIndex(codePoint));
        Assert.Equal(GlyphAtlas.ReplacementCodePoint, Atlas.CodePoints[Atlas.ReplacementGlyph]);
        Assert.True(Atlas.Coverage(Atlas.ReplacementGlyph) > 0);
    }

    [Theory]
    [MemberData(nameof(AccentedAndBase))]
    public void Accented_letter_has_its_own_glyph(string accented, string unaccented)
    {
        var glyph = Atlas.GlyphIndex(accented[0]);
        var baseGlyph = Atlas.GlyphIndex(unaccented[0]);

        Assert.NotEqual(Atlas.ReplacementGlyph, glyph);
        Assert.NotEqual(baseGlyph, glyph);
        Assert.Equal(accented[0], Atlas.CodePoints[glyph]);
        // The accent adds ink to the base letter.
        Assert.True(Atlas.Coverage(glyph) > Atlas.Coverage(baseGlyph));
    }

    [Fact]
    public void Every_atlas_character_maps_to_its_own_slot()
    {
        for (var glyph = 0; glyph < Atlas.GlyphCount; glyph++)
        {
            Assert.Equal(glyph, Atlas.GlyphIndex(Atlas.CodePoints[glyph]));
        }

        Assert.Equal(Atlas.GlyphCount, Atlas.CodePoints.Distinct().Count());
    }

    [Fact]
    public void Atlas_covers_printable_ASCII_Latin1_and_typographic_punctuation()
    {
        var expected = Enumerable.Range(32, 95)
            .Concat(Enumerable.Range(160, 96))
            .Concat("“”‘’–—…•".Select(c => (int)c));

        Assert.All(expected, codePoint => Assert.Contains(codePoint, Atlas.CodePoints));
    }

    [Fact]
    public void Whitespace_controls_draw_as_blank_space()
    {
        Assert.Equal(Atlas.GlyphIndex(' '), Atlas.GlyphIndex('\t'));
        Assert.Equal(Atlas.GlyphIndex(' '), Atlas.GlyphIndex('\r'));
        Assert.Equal(Atlas.GlyphIndex(' '), Atlas.GlyphIndex('\n'));
    }

    [Fact]
    public void Ink_stays_inside_each_slot_padding_so_neighbours_never_bleed()
    {
        // The outermost ring of pixels of every slot must be empty: glyphs (descenders, accents on capitals,
        // wide punctuation) fit the cell plus padding, and sampling a slot never picks up its neighbour.
        var pixels = Atlas.Pixels;
        for (var glyph = 0; glyph < Atlas.GlyphCount; glyph++)
        {
            var (x0, y0) = Atlas.SlotOrigin(glyph);
            var (x1, y1) = (x0 + Atlas.SlotWidth - 1, y0 + Atlas.SlotHeight - 1);
            for (var x = x0; x <= x1; x++)
            {
                Assert.True(pixels[(y0 * Atlas.Width) + x] == 0 && pixels[(y1 * Atlas.Width) + x] == 0, $"U+{Atlas.CodePoints[glyph]:X4} touches its slot's top or bottom edge");
            }

            for (var y = y0; y <= y1; y++)
            {
                Assert.True(pixels[(y * Atlas.Width) + x0] == 0 && pixels[(y * Atlas.Width) + x1] == 0, $"U+{Atlas.CodePoints[glyph]:X4} touches its slot's left or right edge");
            }
        }
    }

    [Fact]
    public void Cell_metrics_fit_a_line_of_text()
    {
        Assert.InRange(Atlas.Advance, 1, Atlas.PixelSize);
        Assert.InRange(Atlas.Ascent, 1, Atlas.LineHeight - 1);
        Assert.True(Atlas.LineHeight >= Atlas.PixelSize, "line height below the font size");
        Assert.Equal(Atlas.Width * Atlas.Height, Atlas.Pixels.Length);
    }

    [Fact]
    public void Missing_font_file_falls_back_to_fontconfig_monospace()
    {
        var atlas = GlyphAtlas.Create(16f, ["/nonexistent/NoSuchFont.ttf"]);

        Assert.Equal(FontOrigin.Fontconfig, atlas.FontOrigin);
        Assert.True(atlas.Coverage(atlas.GlyphIndex('A')) > 0);
        Assert.Equal(0, atlas.Coverage(atlas.GlyphIndex(' ')));
    }
}
