// Pixel-level checks of the UI renderers and screenshot orientation, and of shader error reporting.
using System.Numerics;
using Playground.App.Text;
using Playground.App.Window;
using Silk.NET.OpenGL;
using SkiaSharp;

namespace Playground.App.Tests.Window;

[Collection(GlfwCollection.Name)]
public sealed class UiRendererTests
{
    private const int Width = 200;
    private const int Height = 120;
    private static readonly Rgba Background = Rgba.FromHex(0x101010);
    private static readonly Rgba Red = Rgba.FromHex(0xE03020);
    private static readonly Rgba White = Rgba.FromHex(0xFFFFFF);

    [Fact]
    public void Rectangle_lands_on_exact_pixels_with_the_origin_at_the_top_left()
    {
        using var window = new GlfwWindow(Width, Height, "rect test");
        var gl = GL.GetApi(window);
        using var rects = new RectRenderer(gl);

        using var image = Render(gl, () =>
        {
            rects.FillRect(10, 20, 30, 5, Red);
            rects.Flush(Width, Height);
        });

        Assert.Equal(Red, PixelAt(image, 10, 20));
        Assert.Equal(Red, PixelAt(image, 39, 24));
        Assert.Equal(Background, PixelAt(image, 9, 20));
        Assert.Equal(Background, PixelAt(image, 40, 24));
        Assert.Equal(Background, PixelAt(image, 10, 19));
        Assert.Equal(Background, PixelAt(image, 10, 25));
    }

    [Fact]
    public void Line_is_drawn_between_its_end_points_with_soft_edges()
    {
        using var window = new GlfwWindow(Width, Height, "line test");
        var gl = GL.GetApi(window);
        using var rects = new RectRenderer(gl);

        // A horizontal 2-pixel line centred on y = 60 covers rows 59 and 60 fully; a diagonal one is antialiased.
        using var image = Render(gl, () =>
        {
            rects.DrawLine(new Vector2(20, 60), new Vector2(100, 60), 2, White);
            rects.DrawLine(new Vector2(120, 20), new Vector2(180, 100), 2, White);
            rects.Flush(Width, Height);
        });

        Assert.Equal(White, PixelAt(image, 60, 59));
        Assert.Equal(White, PixelAt(image, 60, 60));
        Assert.Equal(Background, PixelAt(image, 60, 57));
        Assert.Equal(Background, PixelAt(image, 60, 62));
        Assert.Equal(Background, PixelAt(image, 110, 60));
        var partlyCovered = Enumerable.Range(20, 80)
            .SelectMany(y => Enumerable.Range(115, 70).Select(x => PixelAt(image, x, y)))
            .Count(pixel => pixel != White && pixel != Background);
        Assert.True(partlyCovered > 40, $"only {partlyCovered} antialiased pixels on the diagonal");
    }

    [Fact]
    public void Text_is_drawn_inside_its_cells_in_its_colour()
    {
        using var window = new GlfwWindow(Width, Height, "text test");
        var gl = GL.GetApi(window);
        var atlas = GlyphAtlas.Create(16f);
        using var text = new TextRenderer(gl, atlas);
        const int x = 30;
        const int y = 40;

        using var image = Render(gl, () =>
        {
            var end = text.DrawText("HI", x, y, White);
            Assert.Equal(x + (2 * atlas.Advance), end);
            text.Flush(Width, Height);
        });

        var inked = new List<(int X, int Y)>();
        for (var py = 0; py < Height; py++)
        {
            for (var px = 0; px < Width; px++)
            {
                if (PixelAt(image, px, py) != Background)
                {
                    inked.Add((px, py));
                }
            }
        }

        Assert.NotEmpty(inked);
        Assert.All(inked, p => Assert.InRange(p.X, x, x + (2 * atlas.Advance) - 1));
        Assert.All(inked, p => Assert.InRange(p.Y, y, y + atlas.LineHeight - 1));
        // The stems of H and I are fully covered pixels.
        Assert.Contains(inked, p => PixelAt(image, p.X, p.Y) == White);
    }

    [Fact]
    public void Shader_that_does_not_compile_is_reported_with_its_file_and_log()
    {
        var root = Directory.CreateTempSubdirectory("playground-ui-shaders-");
        try
        {
            var ui = Directory.CreateDirectory(Path.Combine(root.FullName, "ui"));
            foreach (var file in Directory.GetFiles(Path.Combine(UiShaders.DefaultRoot, "ui")))
            {
                File.Copy(file, Path.Combine(ui.FullName, Path.GetFileName(file)));
            }

            var broken = Path.Combine(ui.FullName, "rect.frag");
            File.WriteAllText(broken, "#version 430 core\nvoid main() { this is not glsl; }\n");
            using var window = new GlfwWindow(64, 64, "shader error test");
            var gl = GL.GetApi(window);

            var error = Assert.Throws<UiShaderException>(() => new RectRenderer(gl, root.FullName));

            Assert.StartsWith($"{broken}: compile failed: ", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void Missing_shader_directory_is_reported_with_the_path()
    {
        using var window = new GlfwWindow(64, 64, "missing shader test");
        var gl = GL.GetApi(window);
        var root = Path.Combine(Path.GetTempPath(), "playground-no-such-shader-dir");

        var error = Assert.Throws<UiShaderException>(() => new TextRenderer(gl, GlyphAtlas.Create(16f), root));

        Assert.StartsWith(Path.Combine(root, "ui", "text.vert"), error.Message, StringComparison.Ordinal);
    }

    private static SKBitmap Render(GL gl, Action draw)
    {
        gl.Viewport(0, 0, Width, Height);
        gl.ClearColor(Background.R / 255f, Background.G / 255f, Background.B / 255f, 1);
        gl.Clear(ClearBufferMask.ColorBufferBit);
        draw();
        Assert.Equal(GLEnum.NoError, gl.GetError());
        return Screenshot.Capture(gl, Width, Height);
    }

    private static Rgba PixelAt(SKBitmap image, int x, int y)
    {
        var pixel = image.GetPixel(x, y);
        return new Rgba(pixel.Red, pixel.Green, pixel.Blue, pixel.Alpha);
    }
}
