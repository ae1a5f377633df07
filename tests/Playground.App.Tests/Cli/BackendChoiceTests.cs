// Auto picks the GPU when a context can be made and falls back to the CPU, saying why, when it cannot.
using System.Text.Json;

namespace Playground.App.Tests.Cli;

public sealed class BackendChoiceTests
{
    private static string Backend(CliResult r) =>
        JsonDocument.Parse(r.Stdout.TrimEnd().Split('\n')[^1]).RootElement.GetProperty("backend").GetString()!;

    [Fact]
    public void Auto_uses_the_gpu_when_a_context_can_be_made()
    {
        using var model = TempModel.Small();
        var r = CliRun.Run("generate", "--model", model.Folder, "--tokens", "1", "-n", "2", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("gpu", Backend(r));
    }

    [Fact]
    public void Without_a_context_auto_falls_back_to_the_cpu_and_gpu_is_a_clear_error()
    {
        using var model = TempModel.Small();
        string? before = Environment.GetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM");
        Environment.SetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM", "none-such");
        try
        {
            var auto = CliRun.Run("generate", "--model", model.Folder, "--tokens", "1", "-n", "2", "--json");
            Assert.True(auto.ExitCode == 0, auto.ToString());
            Assert.Equal("cpu", Backend(auto));
            Assert.Contains("using the CPU backend", auto.Stderr);

            var gpu = CliRun.Run("generate", "--model", model.Folder, "--tokens", "1", "--backend", "gpu");
            Assert.Equal(2, gpu.ExitCode);
            Assert.Contains("apt-get install", gpu.Stderr);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PLAYGROUND_EGL_PLATFORM", before);
        }
    }
}
