// Reads a shader file from disk, resolves #include, injects #defines after #version, and maps driver line numbers back.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Playground.Gpu.Shaders;

/// <summary>One position in a user's shader file, as a driver message is mapped back to it.</summary>
public sealed record ShaderDiagnostic(string File, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}

/// <summary>
/// A preprocessed shader: the text handed to the driver, and the files it came from. Core GLSL has no
/// #include, so this resolver inlines `#include "name"` and emits `#line L S` with S the index of the file in
/// <see cref="Files"/>, so that the driver's "S:L" positions name the right file and line.
/// </summary>
public sealed partial class ShaderSource
{
    private ShaderSource(string text, IReadOnlyList<string> files)
    {
        Text = text;
        Files = files;
    }

    /// <summary>The expanded source given to glShaderSource.</summary>
    public string Text { get; }

    /// <summary>Full paths of the main file (index 0) and every file it includes, in #line source-string order.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>
    /// Loads <paramref name="fileName"/> from <paramref name="directory"/>. Each define becomes `#define NAME VALUE`
    /// right after #version; a #line directive then restores the file's own numbering.
    /// </summary>
    public static ShaderSource Load(string directory, string fileName, IReadOnlyDictionary<string, string>? defines = null)
    {
        var files = new List<string>();
        var output = new StringBuilder();
        string mainPath = Path.GetFullPath(Path.Combine(directory, fileName));
        string[] lines = ReadLines(mainPath, null);
        files.Add(mainPath);
        int versionLine = Array.FindIndex(lines, l => l.TrimStart().StartsWith("#version", StringComparison.Ordinal));
        if (versionLine < 0)
            throw new ShaderCompileException(fileName, [new ShaderDiagnostic(Path.GetFileName(mainPath), 1, "no #version line")]);
        for (int i = 0; i <= versionLine; i++) output.Append(lines[i]).Append('\n');
        foreach (var (name, value) in defines ?? new Dictionary<string, string>())
            output.Append("#define ").Append(name).Append(' ').Append(value).Append('\n');
        AppendLines(output, lines, versionLine + 1, 0, mainPath, files, [mainPath]);
        return new ShaderSource(output.ToString(), files);
    }

    private static void AppendLines(StringBuilder output, string[] lines, int start, int fileIndex, string path, List<string> files, HashSet<string> stack)
    {
        output.Append("#line ").Append(start + 1).Append(' ').Append(fileIndex).Append('\n');
        for (int i = start; i < lines.Length; i++)
        {
            Match include = IncludePattern().Match(lines[i]);
            if (!include.Success)
            {
                output.Append(lines[i]).Append('\n');
                continue;
            }
            string includePath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, include.Groups[1].Value));
            var where = new ShaderDiagnostic(Path.GetFileName(path), i + 1, "");
            if (stack.Contains(includePath))
                throw new ShaderCompileException(Path.GetFileName(files[0]), [where with { Message = $"#include \"{include.Groups[1].Value}\" includes itself" }]);
            int index = files.IndexOf(includePath);
            if (index < 0)
            {
                files.Add(includePath);
                index = files.Count - 1;
            }
            stack.Add(includePath);
            AppendLines(output, ReadLines(includePath, where), 0, index, includePath, files, stack);
            stack.Remove(includePath);
            output.Append("#line ").Append(i + 2).Append(' ').Append(fileIndex).Append('\n');
        }
    }

    private static string[] ReadLines(string path, ShaderDiagnostic? includedFrom)
    {
        try
        {
            return File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var at = includedFrom is null
                ? new ShaderDiagnostic(Path.GetFileName(path), 0, $"cannot read shader {path}: {e.Message}")
                : includedFrom with { Message = $"cannot read included file {path}: {e.Message}" };
            throw new ShaderCompileException(Path.GetFileName(path), [at]);
        }
    }

    /// <summary>
    /// Maps a driver info log back to files and lines. Mesa writes "S:L(C): error: ..." and NVIDIA "S(L) : error ...",
    /// where S is the #line source-string number; lines in neither form are kept whole.
    /// </summary>
    public IReadOnlyList<ShaderDiagnostic> MapLog(string infoLog)
    {
        var result = new List<ShaderDiagnostic>();
        foreach (string raw in infoLog.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Match m = MesaPosition().Match(raw);
            if (!m.Success) m = NvidiaPosition().Match(raw);
            if (m.Success && int.TryParse(m.Groups["s"].Value, CultureInfo.InvariantCulture, out int s) && s < Files.Count)
            {
                int line = int.Parse(m.Groups["l"].Value, CultureInfo.InvariantCulture);
                result.Add(new ShaderDiagnostic(Path.GetFileName(Files[s]), line, raw[m.Length..].Trim().TrimStart(':').Trim()));
            }
            else
            {
                result.Add(new ShaderDiagnostic(Path.GetFileName(Files[0]), 0, raw));
            }
        }
        return result;
    }

    [GeneratedRegex("""^\s*#\s*include\s+"([^"]+)"\s*(//.*)?$""")]
    private static partial Regex IncludePattern();

    [GeneratedRegex(@"^(?<s>\d+):(?<l>\d+)\(\d+\)")]
    private static partial Regex MesaPosition();

    [GeneratedRegex(@"^(?<s>\d+)\((?<l>\d+)\)")]
    private static partial Regex NvidiaPosition();
}

/// <summary>A shader that failed to read, compile or link; the message lists `file:line: message` lines.</summary>
public sealed class ShaderCompileException : Exception
{
    public ShaderCompileException(string shader, IReadOnlyList<ShaderDiagnostic> diagnostics)
        : base($"shader {shader} failed:\n" + string.Join('\n', diagnostics))
    {
        Shader = shader;
        Diagnostics = diagnostics;
    }

    public ShaderCompileException() : this("", []) { }
    public ShaderCompileException(string message) : this(message, []) { }
    public ShaderCompileException(string message, Exception inner) : base(message, inner)
    {
        Shader = "";
        Diagnostics = [];
    }

    public string Shader { get; } = "";
    public IReadOnlyList<ShaderDiagnostic> Diagnostics { get; } = [];
}
