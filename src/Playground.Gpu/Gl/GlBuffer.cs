// A GL buffer object holding float32 or int32 data for shader storage.
using Silk.NET.OpenGL;

namespace Playground.Gpu.Gl;

/// <summary>An immutable-size GL buffer. Sizes are in bytes; element helpers assume 4-byte elements.</summary>
public sealed class GlBuffer : IDisposable
{
    private readonly GL _gl;
    private uint _handle;

    public GlBuffer(GL gl, long bytes, string label)
    {
        ArgumentNullException.ThrowIfNull(gl);
        _gl = gl;
        Bytes = Math.Max(bytes, 16);
        Label = label;
        _handle = gl.GenBuffer();
        gl.BindBuffer(BufferTargetARB.ShaderStorageBuffer, _handle);
        unsafe { gl.BufferData(BufferTargetARB.ShaderStorageBuffer, (nuint)Bytes, null, BufferUsageARB.DynamicDraw); }
        GlErrors.Check(gl, $"allocating {label} ({Bytes} bytes)");
    }

    public static GlBuffer Create<T>(GL gl, ReadOnlySpan<T> data, string label) where T : unmanaged
    {
        long bytes = (long)data.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var buffer = new GlBuffer(gl, bytes, label);
        buffer.Upload(data);
        return buffer;
    }

    public uint Handle => _handle;
    public long Bytes { get; }
    public string Label { get; }

    public void Upload<T>(ReadOnlySpan<T> data, long byteOffset = 0) where T : unmanaged
    {
        if (data.IsEmpty) return;
        _gl.BindBuffer(BufferTargetARB.ShaderStorageBuffer, _handle);
        _gl.BufferSubData(BufferTargetARB.ShaderStorageBuffer, (nint)byteOffset, data);
    }

    /// <summary>Reads back into <paramref name="destination"/>; this waits for the GPU, so callers read only what they need.</summary>
    public void Download<T>(Span<T> destination, long byteOffset = 0) where T : unmanaged
    {
        if (destination.IsEmpty) return;
        _gl.BindBuffer(BufferTargetARB.ShaderStorageBuffer, _handle);
        _gl.GetBufferSubData(BufferTargetARB.ShaderStorageBuffer, (nint)byteOffset, destination);
    }

    public float[] DownloadFloats(int count, long byteOffset = 0)
    {
        var result = new float[count];
        Download<float>(result, byteOffset);
        return result;
    }

    public void Dispose()
    {
        if (_handle == 0) return;
        _gl.DeleteBuffer(_handle);
        _handle = 0;
    }
}
