// The one error a caller of the window code needs to handle: no window can be opened on this machine.
namespace Playground.App.Window;

/// <summary>
/// No window can be opened: GLFW is not installed, there is no display, or the driver lacks OpenGL 4.3 core.
/// The message is a single line meant to be shown to the user as is.
/// </summary>
public sealed class WindowUnavailableException : Exception
{
    public WindowUnavailableException()
    {
    }

    public WindowUnavailableException(string message)
        : base(message)
    {
    }

    public WindowUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>GLFW's own description of the failure, when GLFW got far enough to give one.</summary>
    public string? Detail { get; init; }

    internal static WindowUnavailableException LibraryMissing(string libraryName) =>
        new($"GLFW not found ({libraryName}): install it with `sudo apt-get install libglfw3`");

    internal static WindowUnavailableException NoDisplay(string glfwDetail) =>
        new("no display: run under `xvfb-run -a` or set DISPLAY") { Detail = glfwDetail };

    internal static WindowUnavailableException NoContext(string glfwDetail) =>
        new($"cannot create an OpenGL 4.3 core window: {glfwDetail}") { Detail = glfwDetail };
}
