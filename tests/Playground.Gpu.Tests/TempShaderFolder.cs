// A temporary copy of the repository's shaders/ that a test may edit freely.
using Playground.Gpu.Runtime;

namespace Playground.Gpu.Tests;

public sealed class TempShaderFolder : IDisposable
{
    public TempShaderFolder(bool copyRepositoryShaders = true)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "playground-shaders-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
        if (!copyRepositoryShaders) return;
        string source = ShaderLocator.Resolve(null);
        foreach (string file in Directory.GetFiles(source)) File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(file)));
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Write(string name, string text) => File.WriteAllText(this[name], text);

    /// <summary>Replaces one exact piece of a shader, failing loudly if the piece is not there.</summary>
    public void Edit(string name, string find, string replace)
    {
        string text = File.ReadAllText(this[name]);
        if (!text.Contains(find, StringComparison.Ordinal)) throw new InvalidOperationException($"{name} does not contain '{find}'");
        File.WriteAllText(this[name], text.Replace(find, replace, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
