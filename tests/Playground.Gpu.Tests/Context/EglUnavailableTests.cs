// When no context can be made, the error names what is missing and the package that brings it.
using Playground.Gpu.Context;

namespace Playground.Gpu.Tests.Context;

public sealed class EglUnavailableTests
{
    [Fact]
    public void No_usable_platform_gives_the_install_command_not_a_dll_error()
    {
        // Forcing a platform that does not exist leaves EGL nothing to offer, as on a machine without drivers.
        string? before = Environment.GetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM");
        Environment.SetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM", "none-such");
        try
        {
            var e = Assert.Throws<GpuUnavailableException>(() => EglContext.Create());
            Assert.Contains("apt-get install libegl1 libgl1-mesa-dri", e.Message);
            Assert.Contains("PLAYGROUND_EGL_PLATFORM=none-such", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM", before);
        }
    }

    [Fact]
    public void A_missing_egl_library_gives_the_install_command()
    {
        var e = Assert.Throws<GpuUnavailableException>(() => EglContext.Create("libEGL-not-installed.so.1"));
        Assert.Contains("EGL not found (libEGL-not-installed.so.1)", e.Message);
        Assert.Contains("apt-get install libegl1", e.Message);
    }
}
