// Opens the real window (CI runs the tests under xvfb-run), renders the demo and inspects its screenshot.
using Playground.App.Window;
using Silk.NET.OpenGL;
using SkiaSharp;

namespace Playground.App.Tests.Window;

// GLFW is process-global and single-threaded: every test that touches it is in this collection.
[Collection(GlfwCollection.Name)]
public sealed class WindowDemoTests
{
    private const int Frames = 24;

    [Fact]
    public void Demo_draws_wrapped_text_and_a_timing_panel()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", "window-demo.png");
        if (File.Exists(path))
        {
            File.Delete(path);
        }

        var result = WindowDemo.Run(Frames, path);

        Assert.Equal(GLEnum.NoError, result.GLError);
        Assert.Equal(Frames, result.FramesRendered);
        using var image = SKBitmap.Decode(path);
        Assert.NotNull(image);
        Assert.Equal((result.Width, result.Height), (image.Width, image.Height));

        // Text makes the text area far from uniform; an empty or garbled render would not be.
        Assert.True(ImageProbe.LuminanceVariance(image, result.TextRegion) > 100, "text region is nearly uniform");

        // Both text styles reach full coverage somewhere (stems of letters), each in its own colour.
        Assert.True(ImageProbe.CountExact(image, result.TextRegion, result.PromptColor) > 20, "no prompt-coloured text");
        Assert.True(ImageProbe.CountExact(image, result.TextRegion, result.GeneratedColor) > 20, "no generated-coloured text");

        // The bars are solid rectangles in the bar colour inside the panel, and that colour is nowhere in the text.
        Assert.True(ImageProbe.CountExact(image, result.PanelRegion, result.BarColor) > 200, "no bars in the panel");
        Assert.Equal(0, ImageProbe.CountExact(image, result.TextRegion, result.BarColor));
    }
}
