// Finds files committed to the repository (the KJV slice, the shipped model) from the test binary's folder.
namespace Playground.Model.Tests.Training;

internal static class RepositoryFiles
{
    /// <summary>The public-domain KJV text of Genesis, the slice the training recipe is tested on (see models/default/README.md).</summary>
    public static string GenesisText => Find(Path.Combine("tests", "Playground.Model.Tests", "Training", "Data", "kjv-genesis.txt"));

    /// <summary>The shipped default model's folder.</summary>
    public static string DefaultModel => Path.GetDirectoryName(Find(Path.Combine("models", "default", "config.json")))!;

    /// <summary>The first <paramref name="relativePath"/> found walking up from the test binary; fails the test if there is none.</summary>
    public static string Find(string relativePath)
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail($"{relativePath} not found above {AppContext.BaseDirectory}");
        return "";
    }
}
