// The GLFW window as Silk.NET sees it (IGLContext), its input events and its one-line failure messages.
using System.Runtime.InteropServices;
using System.Text;
using Playground.App.Window;
using Silk.NET.Core.Loader;
using Silk.NET.OpenGL;

namespace Playground.App.Tests.Window;

[Collection(GlfwCollection.Name)]
public sealed class GlfwWindowTests
{
    // GLFW key codes and actions from glfw3.h, written out independently of the code under test.
    private const int GlfwKeyR = 82;
    private const int GlfwKeyF5 = 294;
    private const int GlfwRelease = 0;
    private const int GlfwPress = 1;
    private const int GlfwRepeat = 2;
    private const int GlfwModControl = 0x2;

    [Fact]
    public void Window_is_a_current_GL_4_3_core_context_for_Silk()
    {
        using var window = new GlfwWindow(320, 200, "context test");

        Assert.True(window.IsCurrent);
        Assert.NotEqual(0, window.Handle);
        Assert.Same(window, window.Source?.GLContext);
        Assert.Equal((320, 200), (window.FramebufferWidth, window.FramebufferHeight));

        var gl = GL.GetApi(window);
        var major = gl.GetInteger(GetPName.MajorVersion);
        var minor = gl.GetInteger(GetPName.MinorVersion);
        Assert.True(major * 10 + minor >= 43, $"GL {major}.{minor} < 4.3");
        Assert.Equal(
            (int)ContextProfileMask.CoreProfileBit,
            gl.GetInteger(GLEnum.ContextProfileMask) & (int)ContextProfileMask.CoreProfileBit);
        Assert.NotEqual(0, window.GetProcAddress("glDispatchCompute"));
    }

    [Fact]
    public void Clear_releases_the_context_and_MakeCurrent_takes_it_back()
    {
        using var window = new GlfwWindow(64, 64, "current test");

        window.Clear();
        Assert.False(window.IsCurrent);
        // Without a current context GLFW cannot resolve GL functions.
        Assert.False(window.TryGetProcAddress("glClear", out _));
        Assert.Throws<SymbolLoadingException>(() => window.GetProcAddress("glClear"));

        window.MakeCurrent();
        Assert.True(window.IsCurrent);
        Assert.True(window.TryGetProcAddress("glClear", out var address));
        Assert.NotEqual(0, address);
    }

    [Fact]
    public void Dispose_is_idempotent_and_later_use_throws()
    {
        var window = new GlfwWindow(64, 64, "dispose test");
        var gl = GL.GetApi(window);

        gl.Dispose(); // Silk.NET disposes the context it was given.
        window.Dispose();

        Assert.False(window.IsCurrent);
        Assert.Throws<ObjectDisposedException>(() => window.SwapBuffers());
        Assert.Throws<ObjectDisposedException>(() => window.Handle);
    }

    [Fact]
    public void Title_and_should_close_round_trip()
    {
        using var window = new GlfwWindow(64, 64, "first");

        window.Title = "second — ü";
        window.ShouldClose = true;

        Assert.Equal("second — ü", window.Title);
        Assert.True(window.ShouldClose);
        Assert.True(window.Time > 0);
    }

    [Fact]
    public void Input_gathered_from_callbacks_is_raised_in_order_by_PollEvents()
    {
        using var window = new GlfwWindow(64, 64, "input test");
        var raised = new List<string>();
        window.KeyDown += key => raised.Add($"key {key.Key} {key.Modifiers} repeat={key.IsRepeat}");
        window.TextInput += rune => raised.Add($"text {rune}");
        window.FramebufferResized += (width, height) => raised.Add($"resize {width}x{height}");
        window.IconifiedChanged += iconified => raised.Add($"iconified {iconified}");
        window.Scrolled += steps => raised.Add($"scroll {steps}");

        // What GLFW's callbacks deliver while it polls; a virtual display has no keyboard to press.
        window.QueueKey(GlfwKeyR, GlfwPress, GlfwModControl);
        window.QueueKey(GlfwKeyR, GlfwRelease, GlfwModControl);
        window.QueueChar('é');
        window.QueueChar(0x1F600);
        window.QueueChar(0xD800); // A lone surrogate is not text.
        window.QueueKey(GlfwKeyF5, GlfwRepeat, 0);
        window.QueueFramebufferSize(300, 100);
        window.QueueIconify(true);
        window.QueueScroll(-2);
        Assert.Empty(raised);
        Assert.Equal((300, 100), (window.FramebufferWidth, window.FramebufferHeight));
        Assert.True(window.IsIconified);

        window.PollEvents();

        string[] expected =
        [
            "key R Control repeat=False",
            "text é",
            $"text {char.ConvertFromUtf32(0x1F600)}",
            "key F5 None repeat=True",
            "resize 300x100",
            "iconified True",
            "scroll -2",
        ];
        Assert.Equal(expected, raised.Take(expected.Length));
    }

    [Fact]
    public void Missing_display_is_a_one_line_WindowUnavailableException()
    {
        var display = Environment.GetEnvironmentVariable("DISPLAY");
        // GLFW reads the process environment through libc, which Environment.SetEnvironmentVariable does not change.
        Assert.Equal(0, unsetenv(Utf8Z("DISPLAY")));
        try
        {
            var error = Assert.Throws<WindowUnavailableException>(() => new GlfwWindow(64, 64, "no display"));
            Assert.Equal("no display: run under `xvfb-run -a` or set DISPLAY", error.Message);
            Assert.Contains("DISPLAY", error.Detail, StringComparison.Ordinal);
        }
        finally
        {
            if (display is not null)
            {
                Assert.Equal(0, setenv(Utf8Z("DISPLAY"), Utf8Z(display), 1));
            }
        }
    }

    [Fact]
    public void Missing_GLFW_library_names_the_package_to_install()
    {
        var error = Assert.Throws<WindowUnavailableException>(() => Glfw.EnsureLoadable("libglfw-missing.so.3"));

        Assert.Equal(
            "GLFW not found (libglfw-missing.so.3): install it with `sudo apt-get install libglfw3`", error.Message);
    }

    private static byte[] Utf8Z(string text) => [.. Encoding.UTF8.GetBytes(text), 0];

    // DllImport because LibraryImport would need unsafe code in this project; byte[] is blittable, so no marshalling.
    [DllImport("libc")]
    private static extern int unsetenv(byte[] name);

    [DllImport("libc")]
    private static extern int setenv(byte[] name, byte[] value, int overwrite);
}
