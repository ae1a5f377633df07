// `playground info`: what a model is (config, size, dtype, tokenizer) and what GPU would run it.
using System.CommandLine;
using System.Globalization;
using Playground.Gpu.Context;
using Playground.Gpu.Gl;
using Playground.Model;
using Playground.Model.Tokenizers;

namespace Playground.App.Cli;

internal static class InfoCommand
{
    public static Command Build(CliApp.Common common)
    {
        var command = new Command("info", "Show a model's config, parameter count, dtype, size and tokenizer, and the GL renderer.");
        command.Add(common.Model);
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            var checkpoint = ModelSession.LoadCheckpoint(parse.GetValue(common.Model)!);
            var c = checkpoint.Config;
            var info = checkpoint.Info;
            var inv = CultureInfo.InvariantCulture;
            output.WriteLine($"model        {info.Folder}");
            output.WriteLine($"config       n_layer={c.NLayer} n_head={c.NHead} n_embd={c.NEmbd} n_positions={c.NPositions} vocab_size={c.VocabSize} eps={c.LayerNormEpsilon.ToString(inv)} {c.ActivationFunction}");
            output.WriteLine(string.Create(inv, $"parameters   {c.ParameterCount:N0} ({c.ParameterCount / 1e6:F2} M){(info.HasUntiedLmHead ? ", untied lm_head" : "")}"));
            output.WriteLine($"dtype        {string.Join(", ", info.SourceDtypes)} (float32 in memory)");
            output.WriteLine(string.Create(inv, $"file         {info.FileBytes:N0} bytes, {info.TensorCount} tensors, loaded in {info.LoadTime.TotalMilliseconds:F0} ms"));
            output.WriteLine($"tokenizer    {DescribeTokenizer(info.Folder, c)}");
            output.WriteLine($"gpu          {DescribeGpu()}");
            return CliApp.ExitOk;
        });
        return command;
    }

    // A model without a tokenizer still runs from token ids (logits, verify, bench), so info describes it rather than failing.
    private static string DescribeTokenizer(string folder, GptConfig config)
    {
        try
        {
            ITokenizer tokenizer = TokenizerFactory.For(folder, config);
            return $"{tokenizer.Name} (eos {(tokenizer.EndOfTextId?.ToString(CultureInfo.InvariantCulture) ?? "none")})";
        }
        catch (ModelFormatException e)
        {
            return $"none: {e.Problem}";
        }
    }

    internal static string DescribeGpu()
    {
        try
        {
            using var context = EglContext.Create();
            var device = new GlDevice(context);
            return $"{device.Describe()} via EGL {context.Platform}; max storage block {device.MaxStorageBlockBytes / (1 << 20)} MiB; {device.DescribeOptionalFeatures()}";
        }
        catch (GpuUnavailableException e)
        {
            return $"none: {e.Message}";
        }
    }
}
