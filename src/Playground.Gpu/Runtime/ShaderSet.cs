// Every compute program the GPT passes need, compiled together from one shader folder so that a set swaps whole.
using Playground.Gpu.Gl;
using Playground.Gpu.Shaders;
using Silk.NET.OpenGL;

namespace Playground.Gpu.Runtime;

/// <summary>Which implementation of each op to run: the tuned kernels, or the naive reference variants.</summary>
public enum KernelVariant { Fast, Naive }

/// <summary>
/// The programs for one shader folder and variant. Construction compiles all of them and throws
/// ShaderCompileException on the first failure, disposing what it built, so a half-built set never exists.
/// </summary>
public sealed class ShaderSet : IDisposable
{
    private readonly List<ComputeProgram> _programs = [];

    public ShaderSet(GL gl, string shaderDirectory, KernelVariant variant, int maxPositions)
    {
        ArgumentNullException.ThrowIfNull(gl);
        Directory = shaderDirectory;
        Variant = variant;
        MaxPositions = maxPositions;
        var naive = variant == KernelVariant.Naive ? new Dictionary<string, string> { ["NAIVE"] = "1" } : [];
        try
        {
            Encoder = Build(gl, "encoder.comp", []);
            LayerNorm = Build(gl, "layernorm.comp", naive);
            KvCacheWrite = Build(gl, "kvcache_write.comp", []);
            Attention = Build(gl, "attention.comp", With(naive, "MAX_T", maxPositions.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Gelu = Build(gl, "gelu.comp", []);
            Residual = Build(gl, "residual.comp", []);
            if (variant == KernelVariant.Naive)
            {
                MatmulBias = Build(gl, "matmul.comp", With(naive, "HAS_BIAS", "1"));
                Matmul = Build(gl, "matmul.comp", naive);
                MatvecBias = MatmulBias;
                Matvec = Matmul;
                MatvecBias4 = MatmulBias;
                Matvec4 = Matmul;
            }
            else
            {
                MatmulBias = Build(gl, "matmul.comp", new Dictionary<string, string> { ["HAS_BIAS"] = "1" });
                Matmul = Build(gl, "matmul.comp", []);
                string lanes = MatvecLanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
                MatvecBias = Build(gl, "matmul.comp", new Dictionary<string, string> { ["MATVEC"] = "1", ["LANES"] = lanes, ["HAS_BIAS"] = "1" });
                Matvec = Build(gl, "matmul.comp", new Dictionary<string, string> { ["MATVEC"] = "1", ["LANES"] = lanes });
                MatvecBias4 = Build(gl, "matmul.comp", new Dictionary<string, string> { ["MATVEC"] = "1", ["LANES"] = lanes, ["VEC4"] = "1", ["HAS_BIAS"] = "1" });
                Matvec4 = Build(gl, "matmul.comp", new Dictionary<string, string> { ["MATVEC"] = "1", ["LANES"] = lanes, ["VEC4"] = "1" });
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Threads that share one output channel in the MATVEC kernel; injected as LANES.</summary>
    public const int MatvecLanes = 8;

    public string Directory { get; }
    public KernelVariant Variant { get; }

    /// <summary>The most positions attention can cover: the fast kernel keeps one score per position in shared memory (MAX_T).</summary>
    public int MaxPositions { get; }
    public ComputeProgram Encoder { get; }
    public ComputeProgram LayerNorm { get; }
    public ComputeProgram KvCacheWrite { get; }
    public ComputeProgram Attention { get; }
    public ComputeProgram Gelu { get; }
    public ComputeProgram Residual { get; }
    public ComputeProgram MatmulBias { get; }
    public ComputeProgram Matmul { get; }
    public ComputeProgram MatvecBias { get; }
    public ComputeProgram Matvec { get; }

    /// <summary>MATVEC reading vec4s, for when C and the offsets are multiples of 4 (GPT-2's are).</summary>
    public ComputeProgram MatvecBias4 { get; }
    public ComputeProgram Matvec4 { get; }

    /// <summary>Every program, for checks that apply to all of them.</summary>
    public IReadOnlyList<ComputeProgram> Programs => _programs;

    /// <summary>Every file the set was built from, includes too, so a watcher knows what to watch.</summary>
    public IEnumerable<string> SourceFiles => _programs.SelectMany(p => p.Source.Files).Distinct();

    private ComputeProgram Build(GL gl, string file, Dictionary<string, string> defines)
    {
        string label = defines.Count == 0 ? file : $"{file} [{string.Join(' ', defines.Keys)}]";
        var program = new ComputeProgram(gl, ShaderSource.Load(Directory, file, defines), label);
        _programs.Add(program);
        return program;
    }

    private static Dictionary<string, string> With(Dictionary<string, string> defines, string name, string value) =>
        new(defines) { [name] = value };

    public void Dispose()
    {
        foreach (var program in _programs.Distinct()) program.Dispose();
        _programs.Clear();
    }
}
