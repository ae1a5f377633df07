// Draws monospace text from a GlyphAtlas as instanced quads, one instance per glyph, in pixel coordinates.
using System.Runtime.InteropServices;
using System.Text;
using Playground.App.Text;
using Silk.NET.OpenGL;

namespace Playground.App.Window;

/// <summary>
/// Collects glyphs with the Draw methods and renders them all with one instanced draw call in <see cref="Flush"/>.
/// Coordinates are framebuffer pixels with the origin at the top left; a text position is the top-left corner of
/// its first character cell. Needs the GL context current and alpha blending is enabled by <see cref="Flush"/>.
/// </summary>
public sealed unsafe class TextRenderer : IDisposable
{
    private readonly GL gl;
    private readonly InstancedQuadBatch<GlyphInstance> batch;
    private readonly uint atlasTexture;
    private readonly int blankGlyph;

    /// <summary>Uploads the atlas and loads <c>ui/text.vert</c> and <c>ui/text.frag</c> from the shader root.</summary>
    /// <param name="shaderRoot">The directory holding <c>ui/</c>; null for <see cref="UiShaders.DefaultRoot"/>.</param>
    /// <exception cref="UiShaderException">The shaders are missing or do not compile.</exception>
    public TextRenderer(GL gl, GlyphAtlas atlas, string? shaderRoot = null)
    {
        ArgumentNullException.ThrowIfNull(gl);
        ArgumentNullException.ThrowIfNull(atlas);
        this.gl = gl;
        Atlas = atlas;
        blankGlyph = atlas.GlyphIndex(' ');
        var program = UiShaderProgram.Load(gl, shaderRoot, "text.vert", "text.frag");
        batch = new InstancedQuadBatch<GlyphInstance>(
            gl,
            program,
            [
                new(2, VertexAttribPointerType.Float, Normalized: false, Offset: 0),
                new(2, VertexAttribPointerType.UnsignedShort, Normalized: false, Offset: 8),
                new(4, VertexAttribPointerType.UnsignedByte, Normalized: true, Offset: 12),
            ]);

        atlasTexture = gl.GenTexture();
        gl.BindTexture(TextureTarget.Texture2D, atlasTexture);
        gl.PixelStore(PixelStoreParameter.UnpackAlignment, 1); // Atlas rows are tightly packed bytes.
        fixed (byte* pixels = atlas.Pixels)
        {
            gl.TexImage2D(
                TextureTarget.Texture2D,
                0,
                InternalFormat.R8,
                (uint)atlas.Width,
                (uint)atlas.Height,
                0,
                PixelFormat.Red,
                PixelType.UnsignedByte,
                pixels);
        }

        gl.PixelStore(PixelStoreParameter.UnpackAlignment, 4);
        // Glyphs are placed on whole pixels, so each fragment samples exactly one texel.
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMinFilter, (int)TextureMinFilter.Nearest);
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMagFilter, (int)TextureMagFilter.Nearest);
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureWrapS, (int)TextureWrapMode.ClampToEdge);
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureWrapT, (int)TextureWrapMode.ClampToEdge);

        gl.UseProgram(program.Handle);
        gl.Uniform1(program.Uniform("uAtlas"), 0);
        gl.Uniform2(program.Uniform("uSlotSize"), (float)atlas.SlotWidth, atlas.SlotHeight);
        gl.Uniform2(program.Uniform("uAtlasSize"), (float)atlas.Width, atlas.Height);
    }

    /// <summary>The atlas glyphs are drawn from; its metrics give the cell size.</summary>
    public GlyphAtlas Atlas { get; }

    /// <summary>Glyphs waiting for <see cref="Flush"/>.</summary>
    public int QueuedGlyphs => batch.Instances.Count;

    /// <summary>
    /// Queues <paramref name="text"/> starting at (x, y); '\n' continues on the next line at x. Returns the pen x
    /// after the last character.
    /// </summary>
    public float DrawText(ReadOnlySpan<char> text, float x, float y, Rgba color)
    {
        var penX = x;
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == '\n')
            {
                penX = x;
                y += Atlas.LineHeight;
                continue;
            }

            QueueGlyph(rune, penX, y, color);
            penX += Atlas.Advance;
        }

        return penX;
    }

    /// <summary>
    /// Queues lines [firstLine, firstLine + maxLines) of a layout of <paramref name="text"/>, the first at (x, y),
    /// each segment in <c>styleColors[segment.Style]</c>.
    /// </summary>
    public void DrawLayout(
        ReadOnlySpan<char> text,
        TextLayout layout,
        int firstLine,
        int maxLines,
        float x,
        float y,
        ReadOnlySpan<Rgba> styleColors)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegative(firstLine);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLines);
        var endLine = Math.Min(layout.LineCount, firstLine + maxLines);
        for (var line = firstLine; line < endLine; line++)
        {
            var lineY = y + ((line - firstLine) * Atlas.LineHeight);
            foreach (var segment in layout.SegmentsOf(line))
            {
                if ((uint)segment.Style >= (uint)styleColors.Length)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(styleColors), $"no colour for style {segment.Style} ({styleColors.Length} given)");
                }

                var penX = x + (segment.Column * Atlas.Advance);
                foreach (var rune in text.Slice(segment.Start, segment.Length).EnumerateRunes())
                {
                    QueueGlyph(rune, penX, lineY, styleColors[segment.Style]);
                    penX += Atlas.Advance;
                }
            }
        }
    }

    /// <summary>Draws and forgets the queued glyphs into the current framebuffer of the given size.</summary>
    public void Flush(int viewportWidth, int viewportHeight)
    {
        gl.ActiveTexture(TextureUnit.Texture0);
        gl.BindTexture(TextureTarget.Texture2D, atlasTexture);
        batch.Draw(viewportWidth, viewportHeight);
    }

    public void Dispose()
    {
        gl.DeleteTexture(atlasTexture);
        batch.Dispose();
    }

    private void QueueGlyph(Rune rune, float penX, float lineTop, Rgba color)
    {
        var glyph = Atlas.GlyphIndex(rune);
        if (glyph == blankGlyph)
        {
            return; // Blank glyphs cost a quad each and draw nothing.
        }

        var (slotX, slotY) = Atlas.SlotOrigin(glyph);
        batch.Instances.Add(new GlyphInstance(
            MathF.Round(penX) - Atlas.Padding,
            MathF.Round(lineTop) - Atlas.Padding,
            (ushort)slotX,
            (ushort)slotY,
            color.Packed));
    }

    // 16 bytes: slot position on screen (2 floats), slot origin in the atlas (2 ushorts), colour (4 bytes).
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct GlyphInstance(float X, float Y, ushort SlotX, ushort SlotY, uint Color);
}
