// `playground bench`: prefill and decode speed of a backend, with the GPU's per-pass timings.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;

namespace Playground.App.Cli;

internal static class BenchCommand
{
    public static Command Build(CliApp.Common common)
    {
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Tokens in the prefill.", DefaultValueFactory = _ => 64 };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Single-token decode steps after the prefill.", DefaultValueFactory = _ => 32 };
        var command = new Command("bench", "Measure prefill and decode speed; on the GPU also the milliseconds of each pass kind per token.");
        common.AddTo(command);
        command.Add(promptTokens);
        command.Add(decodeTokens);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            var inv = CultureInfo.InvariantCulture;
            using ModelSession session = common.Open(parse, err);
            var config = session.Config;
            // Leave room for at least one decode step, unless the context has a single position.
            int T = Math.Clamp(parse.GetValue(promptTokens), 1, Math.Max(1, config.NPositions - 1));
            int steps = Math.Min(Math.Max(parse.GetValue(decodeTokens), 1), config.NPositions - T);
            var rng = new Random(42);
            int[] prompt = Enumerable.Range(0, T).Select(_ => rng.Next(config.VocabSize)).ToArray();
            var gpu = session.Runner as GpuGptRunner;
            var decodePasses = new Dictionary<PassKind, double>();
            PassTimings? prefillPasses = null;
            int decodeFrames = 0;
            if (gpu is not null)
            {
                gpu.Timer.Completed += t =>
                {
                    if (t.Tokens > 1 || prefillPasses is null) { prefillPasses ??= t; return; }
                    decodeFrames++;
                    foreach (var (kind, ms) in t.Milliseconds) decodePasses[kind] = decodePasses.GetValueOrDefault(kind) + ms;
                };
            }

            output.WriteLine($"model    {config.NLayer} layers, C={config.NEmbd}, {config.NHead} heads, V={config.VocabSize}, {config.ParameterCount / 1e6:F1} M parameters");
            output.WriteLine($"backend  {session.Runner.Backend}{(session.Device is null ? "" : " on " + session.Device.Describe())}");
            // One untimed warm-up pass: the first dispatches include shader and driver start-up costs.
            session.Runner.Forward(prompt.AsSpan(0, 1));
            session.Runner.Reset();
            gpu?.Timer.Poll(wait: true);
            prefillPasses = null;

            var clock = Stopwatch.StartNew();
            float[] logits = session.Runner.Forward(prompt);
            double prefillMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            int next = Playground.Model.Sampling.Sampler.Argmax(logits);
            for (int i = 0; i < steps; i++) next = Playground.Model.Sampling.Sampler.Argmax(session.Runner.Forward([next]));
            double decodeMs = clock.Elapsed.TotalMilliseconds;
            gpu?.Timer.Poll(wait: true);

            output.WriteLine(string.Create(inv, $"prefill  {T} tokens in {prefillMs:F1} ms = {T / (prefillMs / 1000):F1} tokens/s"));
            output.WriteLine(steps == 0
                ? $"decode   none: n_positions={config.NPositions} leaves no room after the prompt"
                : string.Create(inv, $"decode   {steps} tokens in {decodeMs:F1} ms = {steps / (decodeMs / 1000):F2} tokens/s ({decodeMs / steps:F2} ms/token)"));
            if (gpu is not null && decodeFrames > 0)
            {
                output.WriteLine("gpu passes, ms per decoded token (timestamp queries):");
                foreach (PassKind kind in Enum.GetValues<PassKind>())
                    output.WriteLine(string.Create(inv, $"  {kind,-10} {decodePasses.GetValueOrDefault(kind) / decodeFrames,9:F3}"));
                output.WriteLine(string.Create(inv, $"  {"total",-10} {decodePasses.Values.Sum() / decodeFrames,9:F3}"));
                if (prefillPasses is not null)
                    output.WriteLine(string.Create(inv, $"gpu prefill total {prefillPasses.TotalMs:F1} ms"));
            }
            return CliApp.ExitOk;
        });
        return command;
    }
}
