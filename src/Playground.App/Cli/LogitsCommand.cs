// `playground logits`: writes the logits of every position as a [T, V] float32 .npy file.
using System.CommandLine;
using Playground.Model.IO;

namespace Playground.App.Cli;

internal static class LogitsCommand
{
    public static Command Build(CliApp.Common common)
    {
        var tokens = new Option<string>("--tokens") { Description = "Input as comma-separated token ids.", Required = true };
        var outPath = new Option<string>("--out", "-o") { Description = "The .npy file to write (float32, shape [T, V]).", Required = true }.NotBlank();
        var command = new Command("logits", "Run one forward pass and save the logits of every position as .npy.");
        common.AddTo(command);
        command.Add(tokens);
        command.Add(outPath);
        command.SetAction(parse =>
        {
            TextWriter err = parse.InvocationConfiguration.Error;
            using ModelSession session = common.Open(parse, err);
            int[] ids = TokenList.Parse(parse.GetValue(tokens)!);
            TokenList.Validate(ids, session.Config.VocabSize);
            float[] logits = session.Runner.Forward(ids, allPositions: true);
            string path = parse.GetValue(outPath)!;
            NpyWriter.WriteFloat32(path, logits, [ids.Length, session.Config.VocabSize]);
            err.WriteLine($"wrote {path}: [{ids.Length}, {session.Config.VocabSize}] float32 ({session.Runner.Backend})");
            return CliApp.ExitOk;
        });
        return command;
    }
}
