// The include resolver, define injection and the mapping of driver errors back to file:line.
using Playground.Gpu.Gl;
using Playground.Gpu.Shaders;

namespace Playground.Gpu.Tests.Shaders;

public sealed class ShaderSourceTests
{
    private const string Main = """
        #version 430
        #include "helpers.glsl"
        layout(local_size_x = 1) in;
        layout(std430, binding = 0) buffer Dst { float dst[]; };
        void main() {
            dst[0] = twice(1.0);
        }
        """;

    private const string Helpers = """
        // helpers
        float twice(float x) {
            return 2.0 * x;
        }
        """;

    [Fact]
    public void Includes_are_inlined_with_line_directives_and_defines_follow_version()
    {
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main);
        folder.Write("helpers.glsl", Helpers);
        var source = ShaderSource.Load(folder.Path, "main.comp", new Dictionary<string, string> { ["WG"] = "64" });
        string[] lines = source.Text.Split('\n');
        Assert.Equal("#version 430", lines[0]);
        Assert.Equal("#define WG 64", lines[1]);
        Assert.Equal("#line 2 0", lines[2]);
        Assert.Contains("#line 1 1", lines);
        Assert.Contains("#line 3 0", lines);
        Assert.Equal(2, source.Files.Count);
        Assert.EndsWith("helpers.glsl", source.Files[1]);
    }

    [Fact]
    public void Error_in_an_included_file_maps_to_that_file_and_line()
    {
        using var gpu = new HeadlessGpu();
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main);
        folder.Write("helpers.glsl", Helpers.Replace("return 2.0 * x;", "return 2.0 * undefinedName;", StringComparison.Ordinal));
        var error = Assert.Throws<ShaderCompileException>(() =>
            new ComputeProgram(gpu.Device.Gl, ShaderSource.Load(folder.Path, "main.comp", new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }), "main.comp"));
        Assert.Contains(error.Diagnostics, d => d.File == "helpers.glsl" && d.Line == 3);
        Assert.Contains("helpers.glsl:3:", error.Message);
    }

    [Fact]
    public void Error_in_the_main_file_after_an_include_keeps_its_own_line_numbers()
    {
        using var gpu = new HeadlessGpu();
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main.Replace("dst[0] = twice(1.0);", "dst[0] = twice(1.0) +;", StringComparison.Ordinal));
        folder.Write("helpers.glsl", Helpers);
        var error = Assert.Throws<ShaderCompileException>(() =>
            new ComputeProgram(gpu.Device.Gl, ShaderSource.Load(folder.Path, "main.comp", new Dictionary<string, string> { ["A"] = "1" }), "main.comp"));
        Assert.Contains(error.Diagnostics, d => d.File == "main.comp" && d.Line == 6);
    }

    [Fact]
    public void Missing_include_names_the_including_line()
    {
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main);
        var error = Assert.Throws<ShaderCompileException>(() => ShaderSource.Load(folder.Path, "main.comp"));
        Assert.Contains(error.Diagnostics, d => d.File == "main.comp" && d.Line == 2 && d.Message.Contains("helpers.glsl", StringComparison.Ordinal));
    }

    [Fact]
    public void Recursive_include_is_an_error_not_a_hang()
    {
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main);
        folder.Write("helpers.glsl", "#include \"helpers.glsl\"\n");
        var error = Assert.Throws<ShaderCompileException>(() => ShaderSource.Load(folder.Path, "main.comp"));
        Assert.Contains("includes itself", error.Message);
    }

    [Theory]
    [InlineData("0:12(5): error: `foo' undeclared", "main.comp", 12)]
    [InlineData("1:3(10): error: syntax error", "helpers.glsl", 3)]
    [InlineData("1(3) : error C1008: undefined variable \"foo\"", "helpers.glsl", 3)]
    public void Driver_log_formats_map_back(string log, string file, int line)
    {
        using var folder = new TempShaderFolder(copyRepositoryShaders: false);
        folder.Write("main.comp", Main);
        folder.Write("helpers.glsl", Helpers);
        var source = ShaderSource.Load(folder.Path, "main.comp");
        var diagnostic = Assert.Single(source.MapLog(log));
        Assert.Equal(file, diagnostic.File);
        Assert.Equal(line, diagnostic.Line);
    }
}
