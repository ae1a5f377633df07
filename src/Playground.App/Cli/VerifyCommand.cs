// `playground verify`: every op and the whole model on GPU and CPU, as a table; exit code 1 on any failure; --watch repeats it on every shader save.
using System.CommandLine;
using System.Globalization;
using Playground.Gpu.HotReload;
using Playground.Gpu.Runtime;
using Playground.Gpu.Verification;
using Playground.Model.Numerics;
using Playground.Model.Reference;
using Playground.Model.Sampling;

namespace Playground.App.Cli;

internal static class VerifyCommand
{
    public static Command Build(CliApp.Common common)
    {
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Length of the random prompt used for the whole-model check.", DefaultValueFactory = _ => 16 };
        var greedyTokens = new Option<int>("--greedy-tokens") { Description = "Greedy tokens that GPU and CPU must agree on.", DefaultValueFactory = _ => 16 };
        var watch = new Option<bool>("--watch") { Description = "Keep running: reload the shaders and check again whenever a file in the shader folder is saved (Ctrl-C stops)." };
        var command = new Command("verify", "Check every compute shader and the whole model against the CPU reference; prints op, shape, max-abs, NMSE, pass/fail.");
        command.Add(common.Model);
        command.Add(common.Shaders);
        command.Add(common.Kernels);
        command.Add(promptTokens);
        command.Add(greedyTokens);
        command.Add(watch);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            string model = parse.GetValue(common.Model)!;
            using var session = ModelSession.Open(model, BackendChoice.Gpu, parse.GetValue(common.Shaders), parse.GetValue(common.Kernels));
            var gpu = (GpuGptRunner)session.Runner;
            output.WriteLine($"renderer: {session.Device!.Describe()}");
            output.WriteLine($"shaders:  {gpu.ShaderDirectory} ({gpu.Variant})");
            var checks = new Checks(session, gpu, parse.GetValue(promptTokens), parse.GetValue(greedyTokens));
            int exitCode = checks.Run(output, err);
            if (!parse.GetValue(watch)) return exitCode;

            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                // Ctrl-C ends the watch, not the process: the loop returns and the session is disposed in order.
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                return Watch(checks, output, err, stop.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>The per-op table and the whole-model checks for one session, run again after each reload.</summary>
    internal sealed record Checks(ModelSession Session, GpuGptRunner Gpu, int PromptTokens, int GreedyTokens)
    {
        /// <summary>Prints the table and a summary line; returns the exit code.</summary>
        public int Run(TextWriter output, TextWriter err)
        {
            var rows = new List<ParityResult>();
            // The standard table reaches more positions than a tiny model's attention was compiled for (MAX_T), so for
            // such a model it runs on a set compiled from the same folder for the table.
            using GpuKernels? tableKernels = Session.Config.NPositions < OpParityCases.StandardMaxPositions
                ? new GpuKernels(Gpu.Device, new ShaderSet(Gpu.Device.Gl, Gpu.ShaderDirectory, Gpu.Variant, OpParityCases.StandardMaxPositions))
                : null;
            foreach (OpCase c in OpParityCases.Standard()) rows.Add(c.Run(c, tableKernels ?? Gpu.Kernels));
            foreach (OpCase c in OpParityCases.ForModel(Session.Config, PromptTokens)) rows.Add(c.Run(c, Gpu.Kernels));
            rows.AddRange(WholeModel(Session, Gpu, PromptTokens, GreedyTokens));
            PrintTable(output, rows);
            int failed = rows.Count(r => !r.Pass);
            foreach (var r in rows.Where(r => !r.Pass)) err.WriteLine(r);
            output.WriteLine(failed == 0 ? $"all {rows.Count} checks passed" : $"{failed} of {rows.Count} checks FAILED");
            return failed == 0 ? CliApp.ExitOk : CliApp.ExitCheckFailed;
        }
    }

    /// <summary>
    /// `verify --watch`: after the first table, reloads the shaders whenever a file of the set is saved and prints
    /// the table again under a header naming the file. A change that does not compile leaves the last good set in
    /// place (its messages go to stderr as file:line lines) and prints no table. Runs on the GL thread until
    /// <paramref name="stop"/> fires, then exits 0.
    /// </summary>
    internal static int Watch(Checks checks, TextWriter output, TextWriter err, CancellationToken stop)
    {
        using var watcher = new ShaderWatcher(checks.Gpu.ShaderDirectory);
        var reloader = ShaderReloader.For(checks.Gpu, err);
        output.WriteLine($"watching {watcher.Directory} for shader changes ({watcher.Describe()}); Ctrl-C stops");
        while (watcher.Wait(Timeout.InfiniteTimeSpan, stop) is { } batch)
        {
            if (reloader.TryReload(batch) is not { } report) continue;
            output.WriteLine();
            if (!report.Succeeded)
            {
                output.WriteLine($"== {report.What} changed: does not compile, the last good shaders stay (messages on stderr) ==");
                continue;
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"== {report.What} changed: shaders reloaded {report.SaveToSwap!.Value.TotalMilliseconds:0} ms after the save; checking again =="));
            checks.Run(output, err);
        }
        output.WriteLine("stopped watching");
        return CliApp.ExitOk;
    }

    /// <summary>All-position logits of a random prompt, GPU against CPU, and a greedy continuation compared token for token.</summary>
    internal static IEnumerable<ParityResult> WholeModel(ModelSession session, GpuGptRunner gpu, int promptTokens, int greedyTokens)
    {
        var config = session.Config;
        int T = Math.Clamp(promptTokens, 1, config.NPositions);
        var rng = new Random(1234);
        int[] prompt = Enumerable.Range(0, T).Select(_ => rng.Next(config.VocabSize)).ToArray();
        using var cpu = new CpuGptRunner(session.Checkpoint.Weights);
        gpu.Reset();
        float[] expected = cpu.Forward(prompt, allPositions: true), actual = gpu.Forward(prompt, allPositions: true);
        float maxLogit = expected.Max(MathF.Abs);
        // The whole-model bound is relative: the largest error may be 1e-4 of the largest logit.
        yield return Parity.Compare($"model(T={T},all positions)", expected, actual, new ParityTolerance(ParityTolerance.Reduction.MaxNmse, 1e-4 * maxLogit));

        int steps = Math.Min(greedyTokens, config.NPositions - T);
        if (steps <= 0) yield break;
        float[] decodeExpected = new float[steps], decodeActual = new float[steps];
        float[] cpuLogits = expected[^config.VocabSize..], gpuLogits = actual[^config.VocabSize..];
        for (int i = 0; i < steps; i++)
        {
            int cpuNext = Sampler.Argmax(cpuLogits), gpuNext = Sampler.Argmax(gpuLogits);
            decodeExpected[i] = cpuNext;
            decodeActual[i] = gpuNext;
            if (i + 1 == steps) break;
            cpuLogits = cpu.Forward([cpuNext]);
            gpuLogits = gpu.Forward([cpuNext]);
        }
        yield return Parity.Compare($"greedy(tokens={steps})", decodeExpected, decodeActual, new ParityTolerance(0, 0));
        gpu.Reset();
    }

    private static void PrintTable(TextWriter output, List<ParityResult> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        int opWidth = Math.Max(24, rows.Max(r => r.Name.IndexOf('(', StringComparison.Ordinal) is var i and > 0 ? i : r.Name.Length));
        int shapeWidth = Math.Max(8, rows.Max(r => r.Name.Length - r.Name.IndexOf('(', StringComparison.Ordinal)));
        output.WriteLine($"{"op".PadRight(opWidth)} {"shape".PadRight(shapeWidth)} {"max-abs",10} {"nmse",10}  result");
        foreach (var r in rows)
        {
            int paren = r.Name.IndexOf('(', StringComparison.Ordinal);
            string op = paren > 0 ? r.Name[..paren] : r.Name, shape = paren > 0 ? r.Name[paren..] : "";
            output.WriteLine(string.Create(inv, $"{op.PadRight(opWidth)} {shape.PadRight(shapeWidth)} {r.MaxAbs,10:E2} {r.Nmse,10:E2}  {(r.Pass ? "pass" : "FAIL")}"));
        }
    }
}
