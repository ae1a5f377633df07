// The GL API for one context plus the limits and features the compute path depends on.
using Silk.NET.Core.Contexts;
using Silk.NET.OpenGL;
using Playground.Gpu.Context;

namespace Playground.Gpu.Gl;

/// <summary>
/// Wraps <c>GL.GetApi(context)</c> for any IGLContext (headless EGL or a window) and reads the limits once.
/// Requires GL 4.3 core (compute shaders, SSBOs); optional extensions are only reported.
/// </summary>
public sealed class GlDevice
{
    public GlDevice(IGLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Gl = GL.GetApi(context);
        Renderer = Gl.GetStringS(StringName.Renderer) ?? "unknown";
        Vendor = Gl.GetStringS(StringName.Vendor) ?? "unknown";
        Version = Gl.GetStringS(StringName.Version) ?? "unknown";
        int major = Gl.GetInteger(GetPName.MajorVersion), minor = Gl.GetInteger(GetPName.MinorVersion);
        if (major * 10 + minor < 43)
            throw new GpuUnavailableException($"OpenGL 4.3 core is required for compute shaders, but {Renderer} offers {Version}");
        MaxStorageBlockBytes = GetLong(GLEnum.MaxShaderStorageBlockSize);
        StorageOffsetAlignment = Gl.GetInteger(GLEnum.ShaderStorageBufferOffsetAlignment);
        UniformOffsetAlignment = Gl.GetInteger(GLEnum.UniformBufferOffsetAlignment);
        MaxSharedMemoryBytes = Gl.GetInteger(GLEnum.MaxComputeSharedMemorySize);
        MaxWorkGroupCount = Gl.GetInteger(GLEnum.MaxComputeWorkGroupCount, 0);
        int extensionCount = Gl.GetInteger(GetPName.NumExtensions);
        var extensions = new HashSet<string>(StringComparer.Ordinal);
        for (uint i = 0; i < extensionCount; i++) extensions.Add(Gl.GetStringS(StringName.Extensions, i));
        Extensions = extensions;
    }

    public GL Gl { get; }
    public string Renderer { get; }
    public string Vendor { get; }
    public string Version { get; }
    public long MaxStorageBlockBytes { get; }
    public int StorageOffsetAlignment { get; }
    public int UniformOffsetAlignment { get; }
    public int MaxSharedMemoryBytes { get; }
    public int MaxWorkGroupCount { get; }
    public IReadOnlySet<string> Extensions { get; }

    /// <summary>Subgroup operations (GL_KHR_shader_subgroup). Detected and reported only: every kernel runs on plain GL 4.3.</summary>
    public bool HasSubgroups => Extensions.Contains("GL_KHR_shader_subgroup");

    /// <summary>64-bit integers in shaders (GL_ARB_gpu_shader_int64). Detected and reported only.</summary>
    public bool HasInt64 => Extensions.Contains("GL_ARB_gpu_shader_int64");

    /// <summary>The optional features, for `info` and `verify`.</summary>
    public string DescribeOptionalFeatures() =>
        $"subgroups {(HasSubgroups ? "yes" : "no")}, int64 {(HasInt64 ? "yes" : "no")} (detected only; the kernels need plain GL 4.3)";

    public string Describe() => $"{Renderer} | {Version}";

    private long GetLong(GLEnum name)
    {
        Gl.GetInteger64(name, out long value);
        return value;
    }
}
