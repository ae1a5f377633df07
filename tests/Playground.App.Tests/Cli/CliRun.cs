// Runs the CLI in-process with captured stdout/stderr, and makes small random checkpoints for it to load.
using Playground.App.Cli;
using Playground.Model;
using Playground.Model.Checkpoints;

namespace Playground.App.Tests.Cli;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

public static class CliRun
{
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>A random GPT-2 checkpoint in a temp folder, deleted afterwards.</summary>
public sealed class TempModel : IDisposable
{
    public TempModel(GptConfig config, int seed = 1, float std = 0.2f)
    {
        Config = config;
        Folder = Path.Combine(Path.GetTempPath(), "playground-model-" + Guid.NewGuid().ToString("N"));
        Weights = RandomWeights.Create(config, seed, std);
        GptCheckpoint.Save(Weights, Folder);
    }

    /// <summary>A byte-vocabulary model small enough for llvmpipe to run in milliseconds.</summary>
    public static TempModel Small(int seed = 1) => new(new GptConfig(2, 3, 48, 64, 256), seed);

    public GptConfig Config { get; }
    public GptWeights Weights { get; }
    public string Folder { get; }

    /// <summary>Copies the repository's compute shaders into the model's temp folder, for a test to break.</summary>
    public string CopyOfShaders()
    {
        string shaders = Path.Combine(Folder, "shaders");
        Directory.CreateDirectory(shaders);
        foreach (string f in Directory.GetFiles(Playground.Gpu.Runtime.ShaderLocator.Resolve(null)))
            File.Copy(f, Path.Combine(shaders, Path.GetFileName(f)));
        return shaders;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { }
    }
}
