// The `playground` command line: its commands and options, and the one place where errors become exit codes.
using System.CommandLine;
using Playground.Gpu.Context;
using Playground.Gpu.Runtime;
using Playground.Gpu.Shaders;
using Playground.Model;

namespace Playground.App.Cli;

public static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitCheckFailed = 1;
    public const int ExitBadInput = 2;

    /// <summary>Options shared by the commands that run a model.</summary>
    internal sealed class Common
    {
        public readonly Option<string> Model = new Option<string>("--model", "-m")
        {
            Description = "Model: a folder with config.json + model.safetensors, a HuggingFace hub name found in the local HF cache " +
                          "(gpt2, openai-community/gpt2), or 'default' for the bundled model in models/default (4 layers, C=128, " +
                          "bytes, trained on the King James Bible with `playground train`).",
            DefaultValueFactory = _ => "default",
        }.NotBlank();

        public readonly Option<BackendChoice> Backend = new("--backend", "-b")
        {
            Description = "cpu, gpu, or auto: the GPU (GLSL compute shaders) whenever an OpenGL 4.3 context can be made, else the CPU reference.",
            DefaultValueFactory = _ => BackendChoice.Auto,
        };

        public readonly Option<string?> Shaders = new Option<string?>("--shaders")
        {
            Description = "Folder to load the compute shaders from (default: the repository's shaders/, else the copy next to the binary).",
        }.NotBlank();

        public readonly Option<KernelVariant> Kernels = new("--kernels")
        {
            Description = "fast (tiled and reduction kernels) or naive (the one-thread-per-output reference variants).",
            DefaultValueFactory = _ => KernelVariant.Fast,
        };

        public void AddTo(Command command, bool withShaders = true)
        {
            command.Add(Model);
            command.Add(Backend);
            if (!withShaders) return;
            command.Add(Shaders);
            command.Add(Kernels);
        }

        public ModelSession Open(ParseResult parse, TextWriter err)
        {
            var session = ModelSession.Open(parse.GetValue(Model)!, parse.GetValue(Backend), parse.GetValue(Shaders), parse.GetValue(Kernels));
            if (session.FallbackNote is not null) err.WriteLine($"note: {session.FallbackNote}");
            return session;
        }
    }

    public static RootCommand Build()
    {
        var common = new Common();
        var root = new RootCommand(
            "Playground: a GPT-2 running as GLSL compute shaders, token by token, next to a plain CPU reference.\n" +
            "Run with no command to open the window on the default model.");
        root.Add(GenerateCommand.Build(common));
        root.Add(LogitsCommand.Build(common));
        root.Add(InfoCommand.Build(common));
        root.Add(VerifyCommand.Build(common));
        root.Add(BenchCommand.Build(common));
        root.Add(RandomModelCommand.Build());
        root.Add(TrainCommand.Build());
        Command run = RunCommand.Build(common);
        root.Add(run);
        // No command at all opens the window with run's defaults.
        root.SetAction(parse => root.Parse([run.Name]).Invoke(parse.InvocationConfiguration));
        return root;
    }

    /// <summary>Parses and runs; every failure a user can cause becomes one line on stderr and exit code 2.</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        RootCommand root = Build();
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"error: {e.Message}");
            error.WriteLine("run 'playground --help' for usage");
            return ExitBadInput;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserFacingMessage(e) is { } message)
        {
            error.WriteLine($"error: {message}");
            return ExitBadInput;
        }
    }

    /// <summary>The one-line message for failures caused by input or environment; null for real bugs, which keep their stack trace.</summary>
    internal static string? UserFacingMessage(Exception e) => e switch
    {
        ModelFormatException or GpuUnavailableException or ContextFullException or FormatException => e.Message,
        Playground.Model.Training.TrainingDataException => e.Message,
        ShaderCompileException => e.Message,
        Window.WindowUnavailableException or Window.UiShaderException => e.Message,
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException => e.Message,
        ArgumentException when e.Source == typeof(CliApp).Assembly.GetName().Name => e.Message,
        _ => null,
    };
}
