// A compiled and linked compute shader program, built from a preprocessed ShaderSource.
using Silk.NET.OpenGL;
using Playground.Gpu.Shaders;

namespace Playground.Gpu.Gl;

/// <summary>A compute program. Compile and link failures throw ShaderCompileException mapped to file:line.</summary>
public sealed class ComputeProgram : IDisposable
{
    private readonly GL _gl;
    private uint _handle;

    public ComputeProgram(GL gl, ShaderSource source, string name)
    {
        ArgumentNullException.ThrowIfNull(gl);
        ArgumentNullException.ThrowIfNull(source);
        _gl = gl;
        Name = name;
        Source = source;
        uint shader = gl.CreateShader(ShaderType.ComputeShader);
        try
        {
            gl.ShaderSource(shader, source.Text);
            gl.CompileShader(shader);
            gl.GetShader(shader, ShaderParameterName.CompileStatus, out int compiled);
            if (compiled == 0)
                throw new ShaderCompileException(name, source.MapLog(gl.GetShaderInfoLog(shader)));
            _handle = gl.CreateProgram();
            gl.AttachShader(_handle, shader);
            gl.LinkProgram(_handle);
            gl.GetProgram(_handle, ProgramPropertyARB.LinkStatus, out int linked);
            if (linked == 0)
            {
                string log = gl.GetProgramInfoLog(_handle);
                gl.DeleteProgram(_handle);
                _handle = 0;
                throw new ShaderCompileException(name, source.MapLog(log));
            }
            Span<int> size = stackalloc int[3];
            gl.GetProgram(_handle, GLEnum.ComputeWorkGroupSize, size);
            WorkGroupSizeX = size[0];
        }
        finally
        {
            gl.DeleteShader(shader);
        }
    }

    public string Name { get; }
    public ShaderSource Source { get; }
    public uint Handle => _handle;

    /// <summary>local_size_x as the linker saw it, so dispatch sizes follow the shader's own declaration.</summary>
    public int WorkGroupSizeX { get; }

    public void Use() => _gl.UseProgram(_handle);

    public void Dispose()
    {
        if (_handle == 0) return;
        _gl.DeleteProgram(_handle);
        _handle = 0;
    }
}
