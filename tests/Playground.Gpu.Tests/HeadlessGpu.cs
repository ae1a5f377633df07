// A headless GL context and device for one test; GPU tests fail, never skip, when none can be made.
using Playground.Gpu.Context;
using Playground.Gpu.Gl;

namespace Playground.Gpu.Tests;

/// <summary>
/// Each test makes its own context on its own thread (xunit may move tests between threads, and a GL context
/// is current on one thread at a time). Creation throws GpuUnavailableException with the fix when EGL is missing.
/// </summary>
public sealed class HeadlessGpu : IDisposable
{
    public HeadlessGpu()
    {
        Context = EglContext.Create();
        Device = new GlDevice(Context);
    }

    public EglContext Context { get; }
    public GlDevice Device { get; }

    public void Dispose() => Context.Dispose();
}
