// Changes the process environment as native libraries see it (libc's), which Environment.SetEnvironmentVariable does not.
using System.Runtime.InteropServices;
using System.Text;

namespace Playground.App.Tests.Realtime;

internal static class NativeEnvironment
{
    public static int Unset(string name) => unsetenv(Utf8Z(name));

    public static int Set(string name, string value) => setenv(Utf8Z(name), Utf8Z(value), 1);

    private static byte[] Utf8Z(string text) => [.. Encoding.UTF8.GetBytes(text), 0];

    // DllImport because LibraryImport would need unsafe code in this project; byte[] is blittable, so no marshalling.
    [DllImport("libc")]
    private static extern int unsetenv(byte[] name);

    [DllImport("libc")]
    private static extern int setenv(byte[] name, byte[] value, int overwrite);
}
