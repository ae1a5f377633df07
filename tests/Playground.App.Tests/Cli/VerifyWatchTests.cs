// `verify --watch` on a temp shader folder: a wrong edit fails the table, a syntax error keeps the old set, a fix passes again.
using System.Diagnostics;
using Playground.App.Cli;
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Checkpoints;
using Playground.Model.Tests.IO;

namespace Playground.App.Tests.Cli;

public sealed class VerifyWatchTests
{
    private const string GeluLine = "dst[i] = 0.5 * x * (1.0 + tanh(u));";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void The_watch_option_is_accepted()
    {
        Assert.Empty(CliApp.Build().Parse(["verify", "--watch", "--shaders", "some/folder"]).Errors);
    }

    [Fact]
    public void Each_save_reruns_the_table_until_stopped()
    {
        using var model = new TemporaryFolder();
        using var shaders = new TemporaryFolder();
        GptCheckpoint.Save(RandomWeights.Create(new GptConfig(NLayer: 1, NHead: 2, NEmbd: 32, NPositions: 16, VocabSize: 256), seed: 3), model.Path);
        foreach (string file in Directory.GetFiles(ShaderLocator.Resolve(null))) File.Copy(file, shaders.Combine(Path.GetFileName(file)));
        string gelu = shaders.Combine("gelu.comp"), original = File.ReadAllText(gelu);
        var output = new StringWriter();
        var err = new StringWriter();
        TextWriter syncOutput = TextWriter.Synchronized(output), syncErr = TextWriter.Synchronized(err);
        string Output() { lock (syncOutput) return output.ToString(); }

        using var stop = new CancellationTokenSource();
        // The editor: its own thread saves a file once the watch loop has answered the previous save, then stops the loop.
        string? editorFailure = null;
        var editor = new Thread(() =>
        {
            bool WaitFor(Func<bool> condition, string what)
            {
                var clock = Stopwatch.StartNew();
                while (!condition() && !stop.IsCancellationRequested)
                {
                    if (clock.Elapsed > Patience)
                    {
                        editorFailure = $"verify --watch did not print {what} in time";
                        return false;
                    }
                    Thread.Sleep(10);
                }
                return !stop.IsCancellationRequested;
            }
            _ = WaitFor(() => Output().Contains("watching ", StringComparison.Ordinal), "that it watches")
                && Save(gelu, original.Replace(GeluLine, "dst[i] = x;", StringComparison.Ordinal))
                && WaitFor(() => Output().Contains("checks FAILED", StringComparison.Ordinal), "a failed table")
                && Save(gelu, original.Replace(GeluLine, "dst[i] = x +;", StringComparison.Ordinal))
                && WaitFor(() => Output().Contains("does not compile", StringComparison.Ordinal), "the compile failure")
                && SaveByRename(gelu, original)
                && WaitFor(() => Count(Output(), "checks passed") == 2, "a passing table");
            stop.Cancel();
        });

        int exitCode;
        try
        {
            using var session = ModelSession.Open(model.Path, BackendChoice.Gpu, shaders.Path);
            var checks = new VerifyCommand.Checks(session, (GpuGptRunner)session.Runner, PromptTokens: 8, GreedyTokens: 4);
            Assert.Equal(CliApp.ExitOk, checks.Run(syncOutput, syncErr));
            editor.Start();
            exitCode = VerifyCommand.Watch(checks, syncOutput, syncErr, stop.Token);
        }
        finally
        {
            stop.Cancel();
            if (editor.IsAlive) editor.Join();
        }

        string text = Output();
        Assert.True(editorFailure is null, $"{editorFailure}; the output was:\n{text}\nstderr:\n{err}");
        Assert.Equal(CliApp.ExitOk, exitCode);
        AssertInOrder(text,
            "all ", "checks passed",
            "watching ",
            "== gelu.comp changed: shaders reloaded", "gelu ", "FAIL", "checks FAILED",
            "== gelu.comp changed: does not compile, the last good shaders stay",
            "== gelu.comp changed: shaders reloaded", "checks passed",
            "stopped watching");
        int line = Array.FindIndex(original.Split('\n'), l => l.Contains(GeluLine, StringComparison.Ordinal)) + 1;
        Assert.Contains($"shader reload: gelu.comp FAILED gelu.comp:{line}: ", err.ToString(), StringComparison.Ordinal);
    }

    private static bool Save(string path, string text)
    {
        File.WriteAllText(path, text);
        return true;
    }

    private static bool SaveByRename(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
        return true;
    }

    private static int Count(string text, string piece)
    {
        int count = 0;
        for (int at = text.IndexOf(piece, StringComparison.Ordinal); at >= 0; at = text.IndexOf(piece, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static void AssertInOrder(string text, params string[] pieces)
    {
        int at = 0;
        foreach (string piece in pieces)
        {
            int found = text.IndexOf(piece, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"'{piece}' missing after position {at} in:\n{text}");
            at = found + piece.Length;
        }
    }
}
