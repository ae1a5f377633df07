// Loads, compiles and links the UI's GLSL programs from files under the shader directory.
using Silk.NET.OpenGL;

namespace Playground.App.Window;

/// <summary>A shader file is missing or does not compile or link; the message names the file and has GL's log.</summary>
public sealed class UiShaderException : Exception
{
    public UiShaderException()
    {
    }

    public UiShaderException(string message)
        : base(message)
    {
    }

    public UiShaderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Where the UI shaders live: <c>&lt;root&gt;/ui/*.vert|frag</c>.</summary>
public static class UiShaders
{
    /// <summary>The copy next to the binary (the build copies the repository's shaders/ there).</summary>
    public static string DefaultRoot => Path.Combine(AppContext.BaseDirectory, "shaders");

    /// <summary>The override when given, else <see cref="DefaultRoot"/>.</summary>
    public static string ResolveRoot(string? shaderRoot) => string.IsNullOrEmpty(shaderRoot) ? DefaultRoot : shaderRoot;
}

/// <summary>A linked vertex + fragment program read from <c>&lt;root&gt;/ui/</c>.</summary>
internal sealed class UiShaderProgram : IDisposable
{
    private readonly GL gl;

    private UiShaderProgram(GL gl, uint handle)
    {
        this.gl = gl;
        Handle = handle;
    }

    public uint Handle { get; }

    /// <exception cref="UiShaderException">A file is missing, or compiling or linking failed.</exception>
    public static UiShaderProgram Load(GL gl, string? shaderRoot, string vertexFile, string fragmentFile)
    {
        var directory = Path.Combine(UiShaders.ResolveRoot(shaderRoot), "ui");
        var vertex = Compile(gl, ShaderType.VertexShader, Path.Combine(directory, vertexFile));
        try
        {
            var fragment = Compile(gl, ShaderType.FragmentShader, Path.Combine(directory, fragmentFile));
            try
            {
                var program = gl.CreateProgram();
                gl.AttachShader(program, vertex);
                gl.AttachShader(program, fragment);
                gl.LinkProgram(program);
                gl.DetachShader(program, vertex);
                gl.DetachShader(program, fragment);
                if (gl.GetProgram(program, ProgramPropertyARB.LinkStatus) == 0)
                {
                    var log = OneLine(gl.GetProgramInfoLog(program));
                    gl.DeleteProgram(program);
                    throw new UiShaderException($"{Path.Combine(directory, vertexFile)} + {fragmentFile}: link failed: {log}");
                }

                return new UiShaderProgram(gl, program);
            }
            finally
            {
                gl.DeleteShader(fragment);
            }
        }
        finally
        {
            gl.DeleteShader(vertex);
        }
    }

    /// <summary>A uniform's location; -1 when the linker removed it, which GL then ignores.</summary>
    public int Uniform(string name) => gl.GetUniformLocation(Handle, name);

    public void Dispose() => gl.DeleteProgram(Handle);

    private static uint Compile(GL gl, ShaderType type, string path)
    {
        string source;
        try
        {
            source = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UiShaderException($"{path}: cannot read shader: {e.Message}", e);
        }

        var shader = gl.CreateShader(type);
        gl.ShaderSource(shader, source);
        gl.CompileShader(shader);
        if (gl.GetShader(shader, ShaderParameterName.CompileStatus) == 0)
        {
            var log = OneLine(gl.GetShaderInfoLog(shader));
            gl.DeleteShader(shader);
            throw new UiShaderException($"{path}: compile failed: {log}");
        }

        return shader;
    }

    // Driver logs span several lines; the user sees one.
    private static string OneLine(string log) =>
        string.Join(" | ", log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
