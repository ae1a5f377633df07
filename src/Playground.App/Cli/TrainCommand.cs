// `playground train`: trains a byte-level GPT-2 from scratch on text files, with live progress and a loss plot.
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using Playground.Model;
using Playground.Model.IO;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Playground.Model.Training;
using Spectre.Console;

namespace Playground.App.Cli;

internal static class TrainCommand
{
    public const string PlotFileName = "loss.png";

    // Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it) after saving its checkpoint.
    private const int ExitInterrupted = 130;

    public static Command Build()
    {
        var defaults = new TrainingOptions();
        var data = new Option<string[]>("--data", "-d")
        {
            Description = "UTF-8 text files to train on, joined in order; the last 10% of the bytes is held out for validation.",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var outDir = new Option<string>("--out", "-o")
        {
            Description = "Checkpoint folder: config.json + model.safetensors (loadable with --model DIR), optimizer.safetensors, " +
                          "training.json and loss.png. Written every --save-every steps, at the end, and when interrupted with Ctrl-C.",
            Required = true,
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run saved in --out from its last checkpoint, with its optimizer state. The options of the run are " +
                          "kept; only --steps (the new total) may change. --data may be left out: the run's own files are read again.",
        };
        var layers = new Option<int>("--layers") { Description = "n_layer", DefaultValueFactory = _ => defaults.Layers };
        var heads = new Option<int>("--heads") { Description = "n_head", DefaultValueFactory = _ => defaults.Heads };
        var embd = new Option<int>("--embd") { Description = "n_embd (C)", DefaultValueFactory = _ => defaults.Embd };
        var ctx = new Option<int>("--ctx") { Description = "n_positions, and the length of every training sequence", DefaultValueFactory = _ => defaults.Context };
        var steps = new Option<int>("--steps") { Description = "Total optimizer steps", DefaultValueFactory = _ => defaults.Steps };
        var shortCtx = new Option<int>("--short-ctx")
        {
            Description = "Sequence length of the first training phase, with ctx/short-ctx times more sequences per step (a sequence-length " +
                          "warmup: short sequences teach letters and words in far fewer steps)",
            DefaultValueFactory = _ => defaults.ShortContext,
        };
        var shortCtxFraction = new Option<float>("--short-ctx-fraction")
        {
            Description = "Share of the steps trained with --short-ctx sequences (0: none)",
            DefaultValueFactory = _ => defaults.ShortContextFraction,
        };
        var batch = new Option<int>("--batch") { Description = "Sequences of --ctx tokens per step", DefaultValueFactory = _ => defaults.Batch };
        var lr = new Option<float>("--lr") { Description = "Peak learning rate (linear warmup, then cosine decay to a tenth of it)", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights and of the batch order", DefaultValueFactory = _ => defaults.Seed };
        var warmup = new Option<int>("--warmup") { Description = "Warmup steps", DefaultValueFactory = _ => defaults.WarmupSteps };
        var weightDecay = new Option<float>("--weight-decay") { Description = "AdamW weight decay, on matrices only", DefaultValueFactory = _ => defaults.WeightDecay };
        var clip = new Option<float>("--clip") { Description = "Clip the gradient's global L2 norm to this", DefaultValueFactory = _ => defaults.GradientClip };
        var evalEvery = new Option<int>("--eval-every") { Description = "Steps between validation estimates", DefaultValueFactory = _ => defaults.EvalInterval };
        var evalBatches = new Option<int>("--eval-batches") { Description = "Batches per validation estimate (the end of the run measures the whole validation text)", DefaultValueFactory = _ => defaults.EvalBatches };
        var saveEvery = new Option<int>("--save-every") { Description = "Steps between checkpoints (0: only at the end)", DefaultValueFactory = _ => defaults.SaveInterval };

        Option[] recipe = [layers, heads, embd, ctx, shortCtx, shortCtxFraction, batch, lr, seed, warmup, weightDecay, clip, evalEvery, evalBatches, saveEvery];
        var command = new Command("train",
            "Train a GPT-2 from scratch on text files, one token per byte (vocab 256), with AdamW, warmup + cosine decay and gradient " +
            "clipping, on the CPU. Deterministic for a given seed and thread count. Ctrl-C stops after the current step and saves " +
            "a checkpoint that --resume continues.");
        foreach (Option o in new Option[] { data, outDir, resume, steps }.Concat(recipe)) command.Add(o);

        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, err = parse.InvocationConfiguration.Error;
            string folder = parse.GetValue(outDir)!;
            // A TrainingDataException (bad --data, a bad resume) becomes one line and exit 2 in CliApp.Run.
            GptTrainer trainer = parse.GetValue(resume)
                ? ResumeRun(parse, folder, data, steps, recipe)
                : StartRun(parse, folder, data, new TrainingOptions
                {
                    Layers = parse.GetValue(layers), Heads = parse.GetValue(heads), Embd = parse.GetValue(embd),
                    Context = parse.GetValue(ctx), ShortContext = parse.GetValue(shortCtx), ShortContextFraction = parse.GetValue(shortCtxFraction),
                    Steps = parse.GetValue(steps), Batch = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr), Seed = parse.GetValue(seed), WarmupSteps = parse.GetValue(warmup),
                    WeightDecay = parse.GetValue(weightDecay), GradientClip = parse.GetValue(clip),
                    EvalInterval = parse.GetValue(evalEvery), EvalBatches = parse.GetValue(evalBatches), SaveInterval = parse.GetValue(saveEvery),
                });
            return Train(trainer, folder, output, err);
        });
        return command;
    }

    private static GptTrainer StartRun(ParseResult parse, string folder, Option<string[]> data, TrainingOptions options)
    {
        if (TrainingCheckpoint.Exists(folder))
        {
            throw new TrainingDataException($"{Path.GetFullPath(folder)}: already holds a training run; add --resume to continue it, or choose another --out");
        }
        string[] files = parse.GetValue(data) is { Length: > 0 } given ? given : throw new TrainingDataException("--data is required: the text files to train on");
        options.Validate();
        return GptTrainer.Start(options, TextCorpus.Load(files));
    }

    private static GptTrainer ResumeRun(ParseResult parse, string folder, Option<string[]> data, Option<int> steps, Option[] recipe)
    {
        // A changed recipe would no longer be the run that is being resumed; refuse rather than ignore it.
        Option? changed = recipe.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
        if (changed is not null)
        {
            throw new TrainingDataException($"{changed.Name} cannot change when resuming: the run keeps its own settings (see {TrainingCheckpoint.StateFileName}); only --steps may be given");
        }
        TrainingCheckpoint.State state = TrainingCheckpoint.ReadState(folder);
        IReadOnlyList<string> files = parse.GetValue(data) is { Length: > 0 } given ? given : state.CorpusFiles;
        if (files.Count == 0) throw new TrainingDataException($"{folder}: the run's text did not come from files; give them with --data");
        int? totalSteps = parse.GetResult(steps) is { Implicit: false } ? parse.GetValue(steps) : null;
        return GptTrainer.Resume(folder, TextCorpus.Load(files), totalSteps);
    }

    private static int Train(GptTrainer trainer, string folder, TextWriter output, TextWriter err)
    {
        TrainingOptions o = trainer.Options;
        GptConfig config = o.ModelConfig;
        (int trainBytes, int validationBytes) = trainer.SplitSizes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model    {config.NLayer} layers, {config.NHead} heads, C={config.NEmbd}, ctx={config.NPositions}, vocab 256 (bytes): {config.ParameterCount / 1e6:F2} M parameters"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"data     {trainer.Corpus.Description}: {trainBytes:N0} bytes for training, {validationBytes:N0} held out"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recipe   {o.Steps} steps of {o.Batch}x{o.Context} tokens{(o.ShortContextSteps > 0 ? $" (the first {o.ShortContextSteps} as {o.SequencesPerStep(0)}x{o.ShortContext})" : "")}, AdamW lr {o.LearningRate:G3} (warmup {o.WarmupSteps}, cosine to {o.MinLearningRateRatio:G2}x), " +
            $"weight decay {o.WeightDecay:G2}, clip {o.GradientClip:G2}, seed {o.Seed}, {Environment.ProcessorCount} threads"));
        if (trainer.Step > 0) output.WriteLine($"resuming at step {trainer.Step}");

        using var interrupt = new InterruptSignal(err);
        var reporter = new ProgressReporter(output, folder);
        TrainingOutcome outcome = reporter.Run(trainer, interrupt.Token);

        TrainingHistory history = trainer.History;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained  {outcome.Step} steps, {history.Tokens:N0} tokens in {TimeSpan.FromSeconds(history.TrainingSeconds):hh\\:mm\\:ss} of training and validation ({history.Tokens / Math.Max(history.TrainingSeconds, 1e-9):F0} tokens/s)"));
        if (outcome.FinalValidationLoss is double final)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"val loss {final:F4} nats/byte over the whole validation text (uniform guessing: ln 256 = {Math.Log(256):F4})"));
        output.WriteLine($"saved    {outcome.CheckpointFolder} (plot: {PlotFileName})");
        if (!outcome.Completed)
        {
            err.WriteLine($"interrupted at step {outcome.Step} of {o.Steps}; continue with: playground train --out {folder} --resume");
            return ExitInterrupted;
        }
        output.WriteLine($"sample   {GreedySample(trainer, 160)}");
        return CliApp.ExitOk;
    }

    // A greedy continuation of the first bytes of the held-out text: a quick look at what the model has learned.
    private static string GreedySample(GptTrainer trainer, int bytes)
    {
        (int trainBytes, _) = trainer.SplitSizes;
        ReadOnlySpan<byte> held = trainer.Corpus.Bytes.Span[trainBytes..];
        int promptLength = Math.Min(Math.Min(32, trainer.Options.Context / 2), held.Length);
        int[] prompt = held[..promptLength].ToArray().Select(b => (int)b).ToArray();
        using var runner = new CpuGptRunner(trainer.Weights);
        var text = new List<byte>(prompt.Select(b => (byte)b));
        float[] logits = runner.Forward(prompt);
        for (int i = 0; i < bytes && runner.Position < trainer.Options.Context; i++)
        {
            int next = Sampler.Argmax(logits);
            text.Add((byte)next);
            logits = runner.Forward([next]);
        }
        string sample = System.Text.Encoding.UTF8.GetString(text.ToArray());
        return sample.ReplaceLineEndings(" / ");
    }

    /// <summary>
    /// Turns the first SIGINT (Ctrl-C) or SIGTERM into a request to stop after the current step, so the run can save
    /// a consistent checkpoint; a second one ends the process at once (files are written atomically, so even that
    /// leaves no half-written file).
    /// </summary>
    private sealed class InterruptSignal : IDisposable
    {
        private readonly CancellationTokenSource source = new();
        private readonly PosixSignalRegistration[] registrations;

        public InterruptSignal(TextWriter err)
        {
            void Handle(PosixSignalContext context)
            {
                if (source.IsCancellationRequested) return;
                context.Cancel = true;
                err.WriteLine("stopping after this step to save a checkpoint (press Ctrl-C again to quit at once)");
                source.Cancel();
            }
            registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
        }

        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations) registration.Dispose();
            source.Dispose();
        }
    }

    /// <summary>
    /// Shows the run: a live progress bar (step, train loss, latest validation loss, tokens/s, time left) on a
    /// terminal, a line per validation estimate otherwise; redraws loss.png at every checkpoint.
    /// </summary>
    private sealed class ProgressReporter(TextWriter output, string folder) : ITrainingObserver
    {
        private readonly IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        private GptTrainer? trainer;
        private ProgressTask? task;
        private double? validationLoss;
        private double smoothedTokensPerSecond;
        private StepReport? last;

        public TrainingOutcome Run(GptTrainer run, CancellationToken cancellation)
        {
            trainer = run;
            validationLoss = run.History.Validation.LastOrDefault()?.Loss;
            if (!console.Profile.Capabilities.Interactive)
            {
                return run.Run(folder, this, cancellation);
            }
            TrainingOutcome? outcome = null;
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    task = context.AddTask(Describe(), maxValue: run.Options.Steps);
                    task.Value = run.Step;
                    outcome = run.Run(folder, this, cancellation);
                    task.Description = Describe();
                    task.StopTask();
                });
            return outcome!;
        }

        public void OnStep(StepReport report)
        {
            last = report;
            // An exponential average: single steps vary with what else the machine is doing.
            smoothedTokensPerSecond = smoothedTokensPerSecond == 0 ? report.TokensPerSecond : 0.9 * smoothedTokensPerSecond + 0.1 * report.TokensPerSecond;
            if (task is null) return;
            task.Value = report.Step;
            task.Description = Describe();
        }

        public void OnValidation(int step, double loss)
        {
            validationLoss = loss;
            if (task is not null)
            {
                task.Description = Describe();
                return;
            }
            string train = last is null ? "     -" : last.Loss.ToString("F4", CultureInfo.InvariantCulture);
            string timeLeft = last is null ? "" : $"  ~{RemainingTime(last):hh\\:mm\\:ss} left";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {step,6}/{trainer!.Options.Steps}  train {train}  val {loss:F4}  {smoothedTokensPerSecond,7:F0} tok/s{timeLeft}"));
        }

        public void OnFinalEvaluation(int sequences)
        {
            string message = $"final validation loss over all {sequences} sequences";
            if (task is not null) task.Description = message;
            else output.WriteLine(message);
        }

        public void OnSaved(string savedFolder, int step)
        {
            LossPlot.Write(trainer!.History, Path.Combine(savedFolder, PlotFileName));
            if (task is null) output.WriteLine($"checkpoint at step {step} saved to {savedFolder}");
        }

        private string Describe()
        {
            TrainingOptions o = trainer!.Options;
            string train = last is null ? "-" : last.Loss.ToString("F3", CultureInfo.InvariantCulture);
            string validation = validationLoss?.ToString("F3", CultureInfo.InvariantCulture) ?? "-";
            return string.Create(CultureInfo.InvariantCulture,
                $"step {trainer.Step}/{o.Steps}  loss {train}  val {validation}  {smoothedTokensPerSecond:F0} tok/s");
        }

        private TimeSpan RemainingTime(StepReport report)
        {
            double secondsPerStep = report.Tokens / Math.Max(smoothedTokensPerSecond, 1e-9);
            return TimeSpan.FromSeconds(secondsPerStep * (report.TotalSteps - report.Step));
        }
    }

    /// <summary>The loss curves as a PNG: every step's training loss, its moving average, and the validation estimates.</summary>
    private static class LossPlot
    {
        public static void Write(TrainingHistory history, string path)
        {
            var plot = new ScottPlot.Plot();
            if (history.Train.Count > 0)
            {
                double[] steps = history.Train.Select(p => (double)p.Step).ToArray();
                double[] losses = history.Train.Select(p => p.Loss).ToArray();
                var raw = plot.Add.ScatterLine(steps, losses);
                raw.LegendText = "train (per step)";
                raw.Color = ScottPlot.Colors.LightBlue;
                var smooth = plot.Add.ScatterLine(steps, MovingAverage(losses, 25));
                smooth.LegendText = "train (25-step average)";
                smooth.Color = ScottPlot.Colors.Blue;
                smooth.LineWidth = 2;
            }
            if (history.Validation.Count > 0)
            {
                var validation = plot.Add.Scatter(history.Validation.Select(p => (double)p.Step).ToArray(), history.Validation.Select(p => p.Loss).ToArray());
                validation.LegendText = "validation";
                validation.Color = ScottPlot.Colors.OrangeRed;
                validation.LineWidth = 2;
                validation.MarkerSize = 6;
            }
            var uniform = plot.Add.HorizontalLine(Math.Log(256));
            uniform.LegendText = "uniform guess (ln 256)";
            uniform.Color = ScottPlot.Colors.Gray;
            uniform.LinePattern = ScottPlot.LinePattern.Dashed;
            plot.Title(history.FinalValidationLoss is double final
                ? string.Create(CultureInfo.InvariantCulture, $"Training loss (final validation {final:F3} nats/byte)")
                : "Training loss");
            plot.XLabel("step");
            plot.YLabel("cross-entropy (nats/byte)");
            plot.Axes.SetLimitsY(0, Math.Log(256) * 1.1);
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
            byte[] png = plot.GetImageBytes(900, 560, ScottPlot.ImageFormat.Png);
            AtomicFile.Write(path, stream => stream.Write(png));
        }

        private static double[] MovingAverage(double[] values, int window)
        {
            var averages = new double[values.Length];
            double sum = 0;
            for (int i = 0; i < values.Length; i++)
            {
                sum += values[i];
                if (i >= window) sum -= values[i - window];
                averages[i] = sum / Math.Min(i + 1, window);
            }
            return averages;
        }
    }
}
