// A GLFW window with an OpenGL 4.3 core context, usable as Silk.NET's IGLContext (GL.GetApi(window)).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Silk.NET.Core.Contexts;
using Silk.NET.Core.Loader;

namespace Playground.App.Window;

/// <summary>
/// A visible window whose OpenGL 4.3 core, forward-compatible context is current on the creating thread.
/// Input is gathered while GLFW polls and raised as C# events from <see cref="PollEvents"/> /
/// <see cref="WaitEvents"/>, on the calling thread and never from inside a native callback.
/// Use it from the thread that created it, except <see cref="MakeCurrent"/>, <see cref="Clear"/>,
/// <see cref="IsCurrent"/> and <see cref="GetProcAddress"/>, which GLFW allows on any thread: that is how a
/// hidden window's context serves a second thread. <c>GL.GetApi(window)</c> takes ownership in Silk.NET's sense:
/// disposing that GL disposes this window too, which is harmless because <see cref="Dispose"/> is idempotent.
/// </summary>
public sealed unsafe class GlfwWindow : IGLContext
{
    private readonly Queue<PendingEvent> pending = new();
    private readonly ContextSource source;
    private GCHandle self;
    private nint window;
    private string title;

    /// <summary>Opens the window and makes its context current on this thread.</summary>
    /// <param name="width">Width in screen coordinates.</param>
    /// <param name="height">Height in screen coordinates.</param>
    /// <param name="title">The title bar text.</param>
    /// <param name="visible">False for a context that is never shown: a second GL context for another thread.</param>
    /// <param name="shareWith">A window whose context shares its objects (buffers, textures, programs) with this one.</param>
    /// <exception cref="WindowUnavailableException">No GLFW, no display, or no OpenGL 4.3 core support.</exception>
    public GlfwWindow(int width, int height, string title, bool visible = true, GlfwWindow? shareWith = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(title);

        Glfw.Initialize();
        try
        {
            Glfw.glfwDefaultWindowHints();
            Glfw.glfwWindowHint(Glfw.ClientApi, Glfw.OpenGLApi);
            Glfw.glfwWindowHint(Glfw.ContextVersionMajor, 4);
            Glfw.glfwWindowHint(Glfw.ContextVersionMinor, 3);
            Glfw.glfwWindowHint(Glfw.OpenGLProfile, Glfw.OpenGLCoreProfile);
            Glfw.glfwWindowHint(Glfw.OpenGLForwardCompat, Glfw.True);
            Glfw.glfwWindowHint(Glfw.DoubleBuffer, Glfw.True);
            Glfw.glfwWindowHint(Glfw.Visible, visible ? Glfw.True : Glfw.False);
            Glfw.ForgetLastError();
            window = Glfw.glfwCreateWindow(width, height, title, 0, shareWith?.Handle ?? 0);
            if (window == 0)
            {
                var detail = Glfw.TakeLastError();
                throw WindowUnavailableException.NoContext(detail);
            }
        }
        catch
        {
            Glfw.Release();
            throw;
        }

        this.title = title;
        source = new ContextSource(this);

        // The native callbacks find this instance through the window's user pointer; the handle keeps the
        // instance reachable for as long as the native window can call back.
        self = GCHandle.Alloc(this);
        Glfw.glfwSetWindowUserPointer(window, GCHandle.ToIntPtr(self));
        Glfw.glfwSetKeyCallback(window, &OnKey);
        Glfw.glfwSetCharCallback(window, &OnChar);
        Glfw.glfwSetFramebufferSizeCallback(window, &OnFramebufferSize);
        Glfw.glfwSetWindowIconifyCallback(window, &OnIconify);
        Glfw.glfwSetScrollCallback(window, &OnScroll);

        Glfw.glfwMakeContextCurrent(window);
        int framebufferWidth, framebufferHeight;
        Glfw.glfwGetFramebufferSize(window, &framebufferWidth, &framebufferHeight);
        FramebufferWidth = framebufferWidth;
        FramebufferHeight = framebufferHeight;
        IsIconified = Glfw.glfwGetWindowAttrib(window, Glfw.Iconified) != 0;
    }

    /// <summary>A key went down or auto-repeated. Raised by <see cref="PollEvents"/> / <see cref="WaitEvents"/>.</summary>
    public event Action<KeyEvent>? KeyDown;

    /// <summary>Text was typed (after keyboard layout and IME), one Unicode scalar value per event.</summary>
    public event Action<Rune>? TextInput;

    /// <summary>The framebuffer changed size (width, height in pixels); set the GL viewport from it.</summary>
    public event Action<int, int>? FramebufferResized;

    /// <summary>The window was minimised (true) or restored (false); skip rendering while minimised.</summary>
    public event Action<bool>? IconifiedChanged;

    /// <summary>The mouse wheel or touchpad scrolled by this many steps; positive is up (away from the user).</summary>
    public event Action<double>? Scrolled;

    /// <summary>The GLFWwindow pointer.</summary>
    public nint Handle
    {
        get
        {
            ThrowIfDisposed();
            return window;
        }
    }

    /// <summary>A context source whose <see cref="IGLContextSource.GLContext"/> is this window.</summary>
    public IGLContextSource? Source => source;

    /// <summary>Whether this window's context is current on the calling thread.</summary>
    public bool IsCurrent => window != 0 && Glfw.glfwGetCurrentContext() == window;

    /// <summary>Framebuffer width in pixels (may differ from the window size on scaled displays).</summary>
    public int FramebufferWidth { get; private set; }

    /// <summary>Framebuffer height in pixels.</summary>
    public int FramebufferHeight { get; private set; }

    /// <summary>Whether the window is minimised.</summary>
    public bool IsIconified { get; private set; }

    /// <summary>Whether the user asked to close the window (or the program set it to end its loop).</summary>
    public bool ShouldClose
    {
        get
        {
            ThrowIfDisposed();
            return Glfw.glfwWindowShouldClose(window) != 0;
        }

        set
        {
            ThrowIfDisposed();
            Glfw.glfwSetWindowShouldClose(window, value ? Glfw.True : Glfw.False);
        }
    }

    /// <summary>The window title.</summary>
    public string Title
    {
        get => title;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            ThrowIfDisposed();
            Glfw.glfwSetWindowTitle(window, value);
            title = value;
        }
    }

    /// <summary>The primary monitor's refresh rate in Hz, or 0 when the display does not say.</summary>
    public int MonitorRefreshRate
    {
        get
        {
            ThrowIfDisposed();
            var monitor = Glfw.glfwGetPrimaryMonitor();
            var mode = monitor == 0 ? null : Glfw.glfwGetVideoMode(monitor);
            return mode == null ? 0 : Math.Max(0, mode->RefreshRate);
        }
    }

    /// <summary>Seconds since GLFW was initialised, from GLFW's monotonic timer.</summary>
    public double Time
    {
        get
        {
            ThrowIfDisposed();
            return Glfw.glfwGetTime();
        }
    }

    /// <summary>The address of an OpenGL function; needs this context current.</summary>
    /// <exception cref="SymbolLoadingException">GLFW does not know <paramref name="proc"/>.</exception>
    public nint GetProcAddress(string proc, int? slot = null)
    {
        if (!TryGetProcAddress(proc, out var address, slot))
        {
            throw new SymbolLoadingException(proc);
        }

        return address;
    }

    /// <summary>The address of an OpenGL function, or false when GLFW does not know it.</summary>
    public bool TryGetProcAddress(string proc, out nint addr, int? slot = null)
    {
        ArgumentNullException.ThrowIfNull(proc);
        ThrowIfDisposed();
        addr = Glfw.glfwGetProcAddress(proc);
        return addr != 0;
    }

    /// <summary>Makes this window's context current on the calling thread.</summary>
    public void MakeCurrent()
    {
        ThrowIfDisposed();
        Glfw.glfwMakeContextCurrent(window);
    }

    /// <summary>Detaches this window's context from the calling thread if it is current there.</summary>
    public void Clear()
    {
        if (IsCurrent)
        {
            Glfw.glfwMakeContextCurrent(0);
        }
    }

    /// <summary>Asks for a new window size; the framebuffer size follows through <see cref="FramebufferResized"/>.</summary>
    public void SetSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ThrowIfDisposed();
        Glfw.glfwSetWindowSize(window, width, height);
    }

    /// <summary>Takes the window off the screen; its context stays usable.</summary>
    public void Hide()
    {
        ThrowIfDisposed();
        Glfw.glfwHideWindow(window);
    }

    /// <summary>Presents the back buffer.</summary>
    public void SwapBuffers()
    {
        ThrowIfDisposed();
        Glfw.glfwSwapBuffers(window);
    }

    /// <summary>Sets how many vertical blanks a swap waits for (0: none, 1: vsync); applies to the current context.</summary>
    public void SwapInterval(int interval)
    {
        ThrowIfDisposed();
        Glfw.glfwSwapInterval(interval);
    }

    /// <summary>Processes pending window-system events, then raises this window's input events.</summary>
    public void PollEvents()
    {
        ThrowIfDisposed();
        Glfw.glfwPollEvents();
        DispatchPending();
    }

    /// <summary>Sleeps until an event arrives or <paramref name="timeoutSeconds"/> pass, then raises input events.</summary>
    public void WaitEvents(double timeoutSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timeoutSeconds);
        ThrowIfDisposed();
        Glfw.glfwWaitEventsTimeout(timeoutSeconds);
        DispatchPending();
    }

    /// <summary>Destroys the window and its context; safe to call more than once.</summary>
    public void Dispose()
    {
        if (window == 0)
        {
            return;
        }

        Clear();
        Glfw.glfwDestroyWindow(window);
        window = 0;
        self.Free();
        pending.Clear();
        Glfw.Release();
    }

    // Entry points for the native callbacks (and for tests, which cannot press keys on a virtual display).
    internal void QueueKey(int glfwKey, int action, int glfwMods)
    {
        if (action is Glfw.KeyPress or Glfw.KeyRepeat)
        {
            pending.Enqueue(new PendingEvent(PendingKind.Key, glfwKey, action, glfwMods));
        }
    }

    internal void QueueChar(uint codePoint) =>
        pending.Enqueue(new PendingEvent(PendingKind.Char, unchecked((int)codePoint), 0, 0));

    internal void QueueFramebufferSize(int width, int height)
    {
        FramebufferWidth = width;
        FramebufferHeight = height;
        pending.Enqueue(new PendingEvent(PendingKind.Resize, width, height, 0));
    }

    internal void QueueIconify(bool iconified)
    {
        IsIconified = iconified;
        pending.Enqueue(new PendingEvent(PendingKind.Iconify, iconified ? 1 : 0, 0, 0));
    }

    internal void QueueScroll(double steps) =>
        pending.Enqueue(new PendingEvent(PendingKind.Scroll, 0, 0, 0, steps));

    internal void DispatchPending()
    {
        while (pending.TryDequeue(out var e))
        {
            switch (e.Kind)
            {
                case PendingKind.Key:
                    KeyDown?.Invoke(new KeyEvent(GlfwKeys.ToKey(e.A), GlfwKeys.ToModifiers(e.C), e.B == Glfw.KeyRepeat));
                    break;
                case PendingKind.Char when Rune.IsValid(e.A):
                    TextInput?.Invoke(new Rune(e.A));
                    break;
                case PendingKind.Resize:
                    FramebufferResized?.Invoke(e.A, e.B);
                    break;
                case PendingKind.Iconify:
                    IconifiedChanged?.Invoke(e.A != 0);
                    break;
                case PendingKind.Scroll:
                    Scrolled?.Invoke(e.Amount);
                    break;
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(window == 0, this);

    private static GlfwWindow? FromNative(nint nativeWindow)
    {
        var pointer = Glfw.glfwGetWindowUserPointer(nativeWindow);
        return pointer == 0 ? null : GCHandle.FromIntPtr(pointer).Target as GlfwWindow;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnKey(nint nativeWindow, int key, int scancode, int action, int mods) =>
        FromNative(nativeWindow)?.QueueKey(key, action, mods);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnChar(nint nativeWindow, uint codePoint) => FromNative(nativeWindow)?.QueueChar(codePoint);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnFramebufferSize(nint nativeWindow, int width, int height) =>
        FromNative(nativeWindow)?.QueueFramebufferSize(width, height);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnScroll(nint nativeWindow, double x, double y) => FromNative(nativeWindow)?.QueueScroll(y);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnIconify(nint nativeWindow, int iconified) =>
        FromNative(nativeWindow)?.QueueIconify(iconified != 0);

    private enum PendingKind
    {
        Key,
        Char,
        Resize,
        Iconify,
        Scroll,
    }

    // Key: A = GLFW key, B = action, C = mods. Char: A = code point. Resize: A, B = size. Iconify: A = 0/1.
    // Scroll: Amount = vertical steps.
    private readonly record struct PendingEvent(PendingKind Kind, int A, int B, int C, double Amount = 0);

    private sealed class ContextSource(GlfwWindow window) : IGLContextSource
    {
        public IGLContext? GLContext => window;
    }
}
