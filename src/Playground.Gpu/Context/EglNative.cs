// LibraryImport bindings for the few EGL 1.5 entry points a headless GL context needs.
using System.Runtime.InteropServices;

namespace Playground.Gpu.Context;

internal static partial class EglNative
{
    public const string Library = "libEGL.so.1";

    public const int Success = 0x3000;
    public const int Vendor = 0x3053;
    public const int Version = 0x3054;
    public const int Extensions = 0x3055;
    public const int None = 0x3038;
    public const int SurfaceType = 0x3033;
    public const int RenderableType = 0x3040;
    public const int PbufferBit = 0x0001;
    public const int OpenGlBit = 0x0008;
    public const int OpenGlApi = 0x30A2;
    public const int ContextMajorVersion = 0x3098;
    public const int ContextMinorVersion = 0x30FB;
    public const int ContextOpenGlProfileMask = 0x30FD;
    public const int ContextOpenGlCoreProfileBit = 0x1;
    public const int PlatformDeviceExt = 0x313F;
    public const int PlatformSurfacelessMesa = 0x31DD;

    [LibraryImport(Library, EntryPoint = "eglGetProcAddress", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetProcAddress(string name);

    [LibraryImport(Library, EntryPoint = "eglQueryString")]
    public static partial nint QueryString(nint display, int name);

    [LibraryImport(Library, EntryPoint = "eglGetError")]
    public static partial int GetError();

    [LibraryImport(Library, EntryPoint = "eglInitialize")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint Initialize(nint display, out int major, out int minor);

    [LibraryImport(Library, EntryPoint = "eglTerminate")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint Terminate(nint display);

    [LibraryImport(Library, EntryPoint = "eglBindAPI")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint BindApi(int api);

    [LibraryImport(Library, EntryPoint = "eglChooseConfig")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint ChooseConfig(nint display, [In] int[] attributes, out nint config, int configSize, out int numConfig);

    [LibraryImport(Library, EntryPoint = "eglCreateContext")]
    public static partial nint CreateContext(nint display, nint config, nint shareContext, [In] int[] attributes);

    [LibraryImport(Library, EntryPoint = "eglDestroyContext")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint DestroyContext(nint display, nint context);

    [LibraryImport(Library, EntryPoint = "eglMakeCurrent")]
    [return: MarshalAs(UnmanagedType.U4)]
    public static partial uint MakeCurrent(nint display, nint draw, nint read, nint context);

    [LibraryImport(Library, EntryPoint = "eglGetCurrentContext")]
    public static partial nint GetCurrentContext();

    public static string? QueryStringManaged(nint display, int name)
    {
        nint p = QueryString(display, name);
        return p == 0 ? null : Marshal.PtrToStringUTF8(p);
    }
}
