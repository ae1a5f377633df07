// Source-generated P/Invoke bindings for the few GLFW 3.3 functions the realtime window needs.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Playground.App.Window;

/// <summary>
/// Raw GLFW 3 entry points (see https://www.glfw.org/docs/3.3/group__window.html) and the constants they take.
/// Every call must come after <see cref="Initialize"/>, which loads the library first so that a missing
/// libglfw.so.3 surfaces as a <see cref="WindowUnavailableException"/> rather than a DllNotFoundException.
/// GLFW is not thread-safe: call it from one thread.
/// </summary>
internal static unsafe partial class Glfw
{
    public const string LibraryName = "libglfw.so.3";

    public const int True = 1;
    public const int False = 0;

    // Window hints and attributes.
    public const int Iconified = 0x00020002;
    public const int Visible = 0x00020004;
    public const int DoubleBuffer = 0x00021010;
    public const int ClientApi = 0x00022001;
    public const int ContextVersionMajor = 0x00022002;
    public const int ContextVersionMinor = 0x00022003;
    public const int OpenGLForwardCompat = 0x00022006;
    public const int OpenGLProfile = 0x00022008;

    // Hint values.
    public const int OpenGLApi = 0x00030001;
    public const int OpenGLCoreProfile = 0x00032001;

    // Key actions the window passes on (releases are ignored).
    public const int KeyPress = 1;
    public const int KeyRepeat = 2;

    private const int InitAttempts = 10;
    private static readonly TimeSpan InitRetryDelay = TimeSpan.FromMilliseconds(50);

    // Live GLFW initialisations; glfwTerminate runs when the last user releases its reference.
    private static int initCount;

    // GLFW reports the cause of a failure through the error callback on the failing thread, just before the
    // failing call returns; kept per thread so the caller that failed reads its own cause.
    [ThreadStatic]
    private static string? lastError;

    /// <summary>
    /// Loads libglfw.so.3 and initialises GLFW (reference counted; pair with <see cref="Release"/>).
    /// </summary>
    /// <exception cref="WindowUnavailableException">The library is missing or there is no display.</exception>
    public static void Initialize()
    {
        if (initCount > 0)
        {
            initCount++;
            return;
        }

        EnsureLoadable(LibraryName);
        glfwSetErrorCallback(&OnError);

        // An X server started without -noreset (xvfb-run's Xvfb) resets when its last client disconnects and
        // refuses connections meanwhile, so initialising right after the previous window closed can fail for a
        // moment; a missing display fails every attempt.
        for (var attempt = 1; ; attempt++)
        {
            ForgetLastError();
            if (glfwInit() == True)
            {
                break;
            }

            if (attempt == InitAttempts)
            {
                throw WindowUnavailableException.NoDisplay(TakeLastError());
            }

            Thread.Sleep(InitRetryDelay);
        }

        initCount = 1;
    }

    /// <summary>Drops one <see cref="Initialize"/> reference; the last one terminates GLFW.</summary>
    public static void Release()
    {
        if (initCount == 0)
        {
            return;
        }

        if (--initCount == 0)
        {
            glfwTerminate();
        }
    }

    /// <summary>Checks that <paramref name="libraryName"/> can be loaded, so a missing GLFW is reported plainly.</summary>
    internal static void EnsureLoadable(string libraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, typeof(Glfw).Assembly, null, out _))
        {
            throw WindowUnavailableException.LibraryMissing(libraryName);
        }
    }

    /// <summary>Forgets earlier errors, so that a failure that follows is not blamed on a stale cause.</summary>
    public static void ForgetLastError() => lastError = null;

    /// <summary>The description of the last GLFW error on this thread (or a generic text), then forgets it.</summary>
    public static string TakeLastError()
    {
        var message = lastError ?? "GLFW reported no error description";
        lastError = null;
        return message;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(int errorCode, byte* description)
    {
        lastError = $"{Marshal.PtrToStringUTF8((nint)description)} (GLFW error 0x{errorCode:X})";
    }

    [LibraryImport(LibraryName)]
    public static partial int glfwInit();

    [LibraryImport(LibraryName)]
    public static partial void glfwTerminate();

    /// <summary>Returns the previous callback; the callback receives (error code, UTF-8 description).</summary>
    [LibraryImport(LibraryName)]
    public static partial delegate* unmanaged[Cdecl]<int, byte*, void> glfwSetErrorCallback(
        delegate* unmanaged[Cdecl]<int, byte*, void> callback);

    [LibraryImport(LibraryName)]
    public static partial void glfwDefaultWindowHints();

    [LibraryImport(LibraryName)]
    public static partial void glfwWindowHint(int hint, int value);

    /// <summary>Returns null on failure (the error callback says why). Title is UTF-8.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint glfwCreateWindow(int width, int height, string title, nint monitor, nint share);

    [LibraryImport(LibraryName)]
    public static partial void glfwDestroyWindow(nint window);

    [LibraryImport(LibraryName)]
    public static partial void glfwMakeContextCurrent(nint window);

    [LibraryImport(LibraryName)]
    public static partial nint glfwGetCurrentContext();

    [LibraryImport(LibraryName)]
    public static partial void glfwSwapBuffers(nint window);

    /// <summary>Applies to the context current on the calling thread.</summary>
    [LibraryImport(LibraryName)]
    public static partial void glfwSwapInterval(int interval);

    [LibraryImport(LibraryName)]
    public static partial void glfwPollEvents();

    [LibraryImport(LibraryName)]
    public static partial void glfwWaitEventsTimeout(double timeout);

    /// <summary>Needs a current context; returns null for unknown names on some platforms only.</summary>
    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint glfwGetProcAddress(string procName);

    [LibraryImport(LibraryName)]
    public static partial int glfwWindowShouldClose(nint window);

    [LibraryImport(LibraryName)]
    public static partial void glfwSetWindowShouldClose(nint window, int value);

    [LibraryImport(LibraryName)]
    public static partial void glfwGetFramebufferSize(nint window, int* width, int* height);

    [LibraryImport(LibraryName)]
    public static partial int glfwGetWindowAttrib(nint window, int attrib);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void glfwSetWindowTitle(nint window, string title);

    [LibraryImport(LibraryName)]
    public static partial double glfwGetTime();

    [LibraryImport(LibraryName)]
    public static partial void glfwSetWindowUserPointer(nint window, nint pointer);

    [LibraryImport(LibraryName)]
    public static partial nint glfwGetWindowUserPointer(nint window);

    /// <summary>Callback receives (window, key, scancode, action, mods).</summary>
    [LibraryImport(LibraryName)]
    public static partial nint glfwSetKeyCallback(
        nint window, delegate* unmanaged[Cdecl]<nint, int, int, int, int, void> callback);

    /// <summary>Callback receives (window, Unicode code point) for text input, after keyboard layout and IME.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint glfwSetCharCallback(nint window, delegate* unmanaged[Cdecl]<nint, uint, void> callback);

    /// <summary>Callback receives (window, width, height) in pixels.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint glfwSetFramebufferSizeCallback(
        nint window, delegate* unmanaged[Cdecl]<nint, int, int, void> callback);

    /// <summary>Callback receives (window, x offset, y offset) of a mouse wheel or touchpad scroll.</summary>
    [LibraryImport(LibraryName)]
    public static partial nint glfwSetScrollCallback(
        nint window, delegate* unmanaged[Cdecl]<nint, double, double, void> callback);

    [LibraryImport(LibraryName)]
    public static partial void glfwHideWindow(nint window);

    [LibraryImport(LibraryName)]
    public static partial void glfwSetWindowSize(nint window, int width, int height);

    [LibraryImport(LibraryName)]
    public static partial nint glfwGetPrimaryMonitor();

    /// <summary>The monitor's current mode, or null; valid until the monitor is disconnected or GLFW terminates.</summary>
    [LibraryImport(LibraryName)]
    public static partial VideoMode* glfwGetVideoMode(nint monitor);

    /// <summary>Callback receives (window, 1 when minimised / 0 when restored).</summary>
    [LibraryImport(LibraryName)]
    public static partial nint glfwSetWindowIconifyCallback(
        nint window, delegate* unmanaged[Cdecl]<nint, int, void> callback);

    /// <summary>GLFWvidmode: a monitor's resolution, colour depth and refresh rate (Hz).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly struct VideoMode
    {
        public readonly int Width;
        public readonly int Height;
        public readonly int RedBits;
        public readonly int GreenBits;
        public readonly int BlueBits;
        public readonly int RefreshRate;
    }
}
