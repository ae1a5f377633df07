// `playground verify`: every op and the whole model on GPU and CPU, as a table; exit code 1 on any failure.
using System.CommandLine;
using System.Globalization;
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
        var command = new Command("verify", "Check every compute shader and the whole model against the CPU reference; prints op, shape, max-abs, NMSE, pass/fail.");
        command.Add(common.Model);
        command.Add(common.Shaders);
        command.Add(common.Kernels);
        command.Add(promptTokens);
        command.Add(greedyTokens);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            string model = parse.GetValue(common.Model)!;
            using var session = ModelSession.Open(model, BackendChoice.Gpu, parse.GetValue(common.Shaders), parse.GetValue(common.Kernels));
            var gpu = (GpuGptRunner)session.Runner;
            output.WriteLine($"renderer: {session.Device!.Describe()}");
            output.WriteLine($"shaders:  {gpu.ShaderDirectory} ({gpu.Variant})");
            var rows = new List<ParityResult>();
            IEnumerable<OpCase> cases = OpParityCases.Standard().Concat(OpParityCases.ForModel(session.Config, parse.GetValue(promptTokens)));
            foreach (OpCase c in cases) rows.Add(c.Run(c, gpu.Kernels));
            rows.AddRange(WholeModel(session, gpu, parse.GetValue(promptTokens), parse.GetValue(greedyTokens)));
            PrintTable(output, rows);
            int failed = rows.Count(r => !r.Pass);
            foreach (var r in rows.Where(r => !r.Pass)) err.WriteLine(r);
            output.WriteLine(failed == 0 ? $"all {rows.Count} checks passed" : $"{failed} of {rows.Count} checks FAILED");
            return failed == 0 ? CliApp.ExitOk : CliApp.ExitCheckFailed;
        });
        return command;
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
