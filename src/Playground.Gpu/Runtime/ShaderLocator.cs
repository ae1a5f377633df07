// Finds the shader folder: --shaders DIR, else the repository's shaders/, else the copy next to the binary.
namespace Playground.Gpu.Runtime;

public static class ShaderLocator
{
    /// <summary>
    /// Resolves the folder to load shaders from. The repository's own shaders/ (found by walking up from the
    /// binary and from the working directory) wins over the build's copy, so that editing the file a user sees
    /// in the source tree is what changes the output.
    /// </summary>
    public static string Resolve(string? overrideDirectory)
    {
        if (overrideDirectory is not null)
        {
            string full = Path.GetFullPath(overrideDirectory);
            if (!File.Exists(Path.Combine(full, "common.glsl")))
                throw new DirectoryNotFoundException($"{full}: not a shader folder (no common.glsl)");
            return full;
        }
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Playground.sln")) && File.Exists(Path.Combine(dir.FullName, "shaders", "common.glsl")))
                    return Path.Combine(dir.FullName, "shaders");
            }
        }
        string beside = Path.Combine(AppContext.BaseDirectory, "shaders");
        if (File.Exists(Path.Combine(beside, "common.glsl"))) return beside;
        throw new DirectoryNotFoundException($"no shader folder found (looked for shaders/ in the repository and at {beside}); pass --shaders DIR");
    }
}
