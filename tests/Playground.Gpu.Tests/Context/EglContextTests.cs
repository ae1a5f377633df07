// Checks that a headless GL 4.3 core context comes up and reports what it is.
using Silk.NET.OpenGL;

namespace Playground.Gpu.Tests.Context;

public sealed class EglContextTests
{
    [Fact]
    public void Headless_context_offers_gl43_core_with_compute()
    {
        using var gpu = new HeadlessGpu();
        Assert.True(gpu.Context.IsCurrent);
        Assert.Contains(gpu.Context.Platform, new[] { "device", "surfaceless" });
        int major = gpu.Device.Gl.GetInteger(GetPName.MajorVersion), minor = gpu.Device.Gl.GetInteger(GetPName.MinorVersion);
        Assert.True(major * 10 + minor >= 43, gpu.Device.Describe());
        Assert.True(gpu.Device.MaxStorageBlockBytes >= 1 << 24, $"GL_MAX_SHADER_STORAGE_BLOCK_SIZE {gpu.Device.MaxStorageBlockBytes}");
        Assert.True(gpu.Device.StorageOffsetAlignment > 0);
        Assert.False(string.IsNullOrWhiteSpace(gpu.Device.Renderer));
    }

    [Fact]
    public void Two_contexts_one_after_another_on_the_same_thread()
    {
        using (var first = new HeadlessGpu()) Assert.True(first.Context.IsCurrent);
        using var second = new HeadlessGpu();
        Assert.True(second.Context.IsCurrent);
    }
}
