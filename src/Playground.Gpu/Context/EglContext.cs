// A headless OpenGL 4.3 core context through EGL, exposed as Silk.NET's IGLContext.
using System.Runtime.InteropServices;
using Silk.NET.Core.Contexts;

namespace Playground.Gpu.Context;

/// <summary>
/// Headless GL through EGL: a GPU exposed by the EGL device platform (NVIDIA headless) when there is one, else
/// Mesa's surfaceless platform (llvmpipe on machines with no GPU). The context has no surface; all work goes
/// to buffers. Set PLAYGROUND_EGL_PLATFORM=device|surfaceless to force one.
/// </summary>
public sealed unsafe class EglContext : IGLContext
{
    private const string InstallHint = "install it with `sudo apt-get install libegl1 libgl1-mesa-dri` (Mesa, works without a GPU) or your GPU vendor's driver";

    private readonly nint _display;
    private nint _context;

    private EglContext(nint display, nint context, string platform)
    {
        _display = display;
        _context = context;
        Platform = platform;
    }

    /// <summary>Which EGL platform the context came from: "device" or "surfaceless".</summary>
    public string Platform { get; }

    public nint Handle => _context;
    public IGLContextSource? Source => null;
    public bool IsCurrent => _context != 0 && EglNative.GetCurrentContext() == _context;

    /// <summary>Creates a GL 4.3 core context and makes it current on the calling thread.</summary>
    public static EglContext Create() => Create(EglNative.Library);

    /// <param name="eglLibrary">The library to probe first; tests pass a missing one to see the message.</param>
    internal static EglContext Create(string eglLibrary)
    {
        if (!NativeLibrary.TryLoad(eglLibrary, out nint handle))
            throw new GpuUnavailableException($"EGL not found ({eglLibrary}): {InstallHint}");
        NativeLibrary.Free(handle);

        string? forced = Environment.GetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM");
        string clientExtensions = EglNative.QueryStringManaged(0, EglNative.Extensions) ?? "";
        var getPlatformDisplay = (delegate* unmanaged<int, nint, int*, nint>)EglNative.GetProcAddress("eglGetPlatformDisplayEXT");
        if (getPlatformDisplay == null)
            throw new GpuUnavailableException($"EGL has no eglGetPlatformDisplayEXT, so it cannot run headless: {InstallHint}");

        var failures = new List<string>();
        if (forced is null or "device" && clientExtensions.Contains("EGL_EXT_platform_device", StringComparison.Ordinal))
        {
            foreach (nint device in HardwareDevices())
            {
                nint display = getPlatformDisplay(EglNative.PlatformDeviceExt, device, null);
                if (TryCreateOn(display, "device", failures) is { } context) return context;
            }
        }
        if (forced is null or "surfaceless" && clientExtensions.Contains("EGL_MESA_platform_surfaceless", StringComparison.Ordinal))
        {
            nint display = getPlatformDisplay(EglNative.PlatformSurfacelessMesa, 0, null);
            if (TryCreateOn(display, "surfaceless", failures) is { } context) return context;
        }
        string tried = forced is not null and not ("device" or "surfaceless")
            ? $"PLAYGROUND_EGL_PLATFORM={forced} names no platform: use device or surfaceless"
            : failures.Count == 0 ? "no headless EGL platform (device or Mesa surfaceless) is offered" : string.Join("; ", failures);
        throw new GpuUnavailableException($"no OpenGL 4.3 core context through EGL ({tried}): {InstallHint}");
    }

    private static List<nint> HardwareDevices()
    {
        var result = new List<nint>();
        var queryDevices = (delegate* unmanaged<int, nint*, int*, uint>)EglNative.GetProcAddress("eglQueryDevicesEXT");
        var queryDeviceString = (delegate* unmanaged<nint, int, nint>)EglNative.GetProcAddress("eglQueryDeviceStringEXT");
        if (queryDevices == null) return result;
        int count;
        if (queryDevices(0, null, &count) == 0 || count == 0) return result;
        var devices = new nint[count];
        fixed (nint* p = devices)
        {
            if (queryDevices(count, p, &count) == 0) return result;
        }
        foreach (nint device in devices.AsSpan(0, count))
        {
            // Mesa lists llvmpipe as a "software" device; the surfaceless platform is the better path to it.
            string extensions = queryDeviceString == null ? "" : Marshal.PtrToStringUTF8(queryDeviceString(device, EglNative.Extensions)) ?? "";
            if (!extensions.Contains("EGL_MESA_device_software", StringComparison.Ordinal)) result.Add(device);
        }
        return result;
    }

    private static EglContext? TryCreateOn(nint display, string platform, List<string> failures)
    {
        if (display == 0)
        {
            failures.Add($"{platform}: no display");
            return null;
        }
        if (EglNative.Initialize(display, out _, out _) == 0)
        {
            failures.Add($"{platform}: eglInitialize failed (0x{EglNative.GetError():X})");
            return null;
        }
        if (EglNative.BindApi(EglNative.OpenGlApi) == 0)
        {
            failures.Add($"{platform}: no desktop OpenGL API (0x{EglNative.GetError():X})");
            return null;
        }
        string displayExtensions = EglNative.QueryStringManaged(display, EglNative.Extensions) ?? "";
        nint config = 0;
        if (!displayExtensions.Contains("EGL_KHR_no_config_context", StringComparison.Ordinal))
        {
            int[] configAttributes = [EglNative.SurfaceType, EglNative.PbufferBit, EglNative.RenderableType, EglNative.OpenGlBit, EglNative.None];
            if (EglNative.ChooseConfig(display, configAttributes, out config, 1, out int found) == 0 || found == 0)
            {
                failures.Add($"{platform}: no OpenGL-capable config");
                return null;
            }
        }
        int[] contextAttributes =
        [
            EglNative.ContextMajorVersion, 4, EglNative.ContextMinorVersion, 3,
            EglNative.ContextOpenGlProfileMask, EglNative.ContextOpenGlCoreProfileBit, EglNative.None,
        ];
        nint context = EglNative.CreateContext(display, config, 0, contextAttributes);
        if (context == 0)
        {
            failures.Add($"{platform}: no GL 4.3 core context (0x{EglNative.GetError():X})");
            return null;
        }
        if (EglNative.MakeCurrent(display, 0, 0, context) == 0)
        {
            failures.Add($"{platform}: cannot make a surfaceless context current (0x{EglNative.GetError():X})");
            EglNative.DestroyContext(display, context);
            return null;
        }
        return new EglContext(display, context, platform);
    }

    public nint GetProcAddress(string proc, int? slot = null)
    {
        if (TryGetProcAddress(proc, out nint address, slot)) return address;
        throw new EntryPointNotFoundException($"GL function {proc} is not available");
    }

    public bool TryGetProcAddress(string proc, out nint addr, int? slot = null)
    {
        addr = EglNative.GetProcAddress(proc);
        return addr != 0;
    }

    public void MakeCurrent()
    {
        if (EglNative.MakeCurrent(_display, 0, 0, _context) == 0)
            throw new InvalidOperationException($"eglMakeCurrent failed (0x{EglNative.GetError():X}); a GL context is current on one thread at a time");
    }

    public void Clear()
    {
        if (IsCurrent) EglNative.MakeCurrent(_display, 0, 0, 0);
    }

    // A surfaceless context has nothing to present.
    public void SwapBuffers() { }
    public void SwapInterval(int interval) { }

    public void Dispose()
    {
        if (_context == 0) return;
        Clear();
        EglNative.DestroyContext(_display, _context);
        _context = 0;
        // The display is shared by every context on it in this process, so it is not terminated here.
    }
}
