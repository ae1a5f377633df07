// Turns glGetError codes into exceptions at the few places where a failure must not pass silently.
using Silk.NET.OpenGL;

namespace Playground.Gpu.Gl;

internal static class GlErrors
{
    public static void Check(GL gl, string what)
    {
        GLEnum error = gl.GetError();
        if (error == GLEnum.NoError) return;
        string hint = error == GLEnum.OutOfMemory ? " (out of GPU memory)" : "";
        throw new InvalidOperationException($"GL error {error}{hint} while {what}");
    }
}
