// The one error type for "no usable GL here", with the fix spelled out for the user.
namespace Playground.Gpu.Context;

/// <summary>No OpenGL 4.3 core context could be made. The message says what is missing and how to install it.</summary>
public sealed class GpuUnavailableException : Exception
{
    public GpuUnavailableException() { }
    public GpuUnavailableException(string message) : base(message) { }
    public GpuUnavailableException(string message, Exception inner) : base(message, inner) { }
}
