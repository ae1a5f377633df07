// The thread that owns the model: it runs generation steps back to back and posts what happened to the window.
using System.Collections.Concurrent;
using System.Diagnostics;
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Sampling;

namespace Playground.App.Realtime;

/// <summary>A runner made on the model thread, with what the window shows about it and how to let go of it there.</summary>
/// <param name="Runner">The runner; the model thread disposes it.</param>
/// <param name="Renderer">GL_RENDERER and version for a GPU runner, null for the CPU.</param>
/// <param name="Release">Runs on the model thread after the runner is disposed, e.g. to detach its GL context.</param>
public sealed record RunnerSetup(IGptRunner Runner, string? Renderer, Action? Release = null);

/// <summary>One generation to run: the window numbers them so that it can ignore news from one it has replaced.</summary>
public sealed record RunRequest(int Run, IReadOnlyList<int> Prompt, SamplingSettings Sampling, int MaxNewTokens, int? EosTokenId);

/// <summary>News from the model thread, taken by the window with <see cref="ModelThread.TryTake"/>.</summary>
public abstract record ModelEvent;

/// <summary>The runner is ready; <paramref name="Renderer"/> is null on the CPU.</summary>
public sealed record ModelReady(string Backend, string? Renderer) : ModelEvent;

/// <summary>Making the runner failed; the thread has ended.</summary>
public sealed record ModelFailed(Exception Error) : ModelEvent;

/// <summary>A chunk of the prompt ran: <paramref name="Done"/> of <paramref name="Total"/> prompt tokens are in the cache.</summary>
public sealed record PrefillProgressed(int Run, int Done, int Total, double Milliseconds) : ModelEvent;

/// <summary>
/// A token was picked. <paramref name="Milliseconds"/> is the step's wall time: one decode step (forward pass,
/// read-back and sampling) when <paramref name="IsDecode"/>, else the last prefill chunk.
/// </summary>
public sealed record TokenProduced(int Run, GeneratedToken Token, double Milliseconds, bool IsDecode) : ModelEvent;

/// <summary>The generation ended; <paramref name="Position"/> tokens are in the cache.</summary>
public sealed record RunEnded(int Run, StopReason Reason, int Position) : ModelEvent;

/// <summary>A step failed (e.g. reloaded shaders made NaN logits); the generation is over, the thread lives on.</summary>
public sealed record RunFailed(int Run, Exception Error) : ModelEvent;

/// <summary>The GPU's per-pass times of one forward pass, read back from timestamp queries.</summary>
public sealed record PassTimingsArrived(PassTimings Timings) : ModelEvent;

/// <summary>
/// Owns the runner on a thread of its own and runs generation steps back to back while a generation is running
/// and not paused. The window never waits for the model, which is what keeps it drawing at its refresh rate: a
/// forward pass can take far longer than a frame (GPT-2 124M on llvmpipe takes about half a second per token,
/// and llvmpipe runs each compute dispatch to completion before the call returns, so no single-threaded
/// interleaving could hide it). With the GPU backend the runner uses a GL context of its own, made current on
/// this thread by the runner factory. Commands are applied between steps, in order.
/// </summary>
public sealed class ModelThread : IDisposable
{
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(50);

    private readonly Func<RunnerSetup> open;
    private readonly GptWeights weights;
    private readonly IModelThreadExtension? extension;
    private readonly ConcurrentQueue<Command> commands = new();
    private readonly ConcurrentQueue<ModelEvent> events = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly Thread thread;
    private bool disposed;

    /// <param name="open">Makes the runner; called on the model thread.</param>
    /// <param name="weights">The model's weights, for the extension.</param>
    /// <param name="extension">Attached to a GPU runner; ignored with the CPU.</param>
    public ModelThread(Func<RunnerSetup> open, GptWeights weights, IModelThreadExtension? extension = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(weights);
        this.open = open;
        this.weights = weights;
        this.extension = extension;
        thread = new Thread(Main) { IsBackground = true, Name = "playground model" };
        thread.Start();
    }

    /// <summary>Replaces any running generation with <paramref name="request"/>.</summary>
    public void Start(RunRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Send(new Command.Start(request));
    }

    /// <summary>The next tokens are picked with these settings (a new sampler from their seed).</summary>
    public void ChangeSampling(SamplingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Send(new Command.Sampling(settings));
    }

    public void SetPaused(bool paused) => Send(new Command.Pause(paused));

    /// <summary>Ends the running generation without news of it.</summary>
    public void Cancel() => Send(new Command.Cancel());

    /// <summary>Asks the extension to reload shaders.</summary>
    public void Reload() => Send(new Command.Reload());

    /// <summary>The next piece of news, if any; never waits.</summary>
    public bool TryTake(out ModelEvent modelEvent) => events.TryDequeue(out modelEvent!);

    /// <summary>Stops the thread after its current step and waits for it to release the runner.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Send(new Command.Exit());
        thread.Join();
        wake.Dispose();
    }

    private void Send(Command command)
    {
        ObjectDisposedException.ThrowIf(disposed && command is not Command.Exit, this);
        commands.Enqueue(command);
        wake.Release();
    }

    private void Main()
    {
        RunnerSetup setup;
        try
        {
            setup = open();
        }
        catch (Exception e)
        {
            events.Enqueue(new ModelFailed(e));
            return;
        }

        IGptRunner? runner = null;
        var gpu = setup.Runner as GpuGptRunner;
        try
        {
            runner = gpu is not null && extension is not null ? extension.Attach(gpu, weights) : setup.Runner;
            if (gpu is not null)
            {
                gpu.Timer.Completed += timings => events.Enqueue(new PassTimingsArrived(timings));
            }

            events.Enqueue(new ModelReady(runner.Backend, setup.Renderer));
            Loop(runner, gpu);
        }
        catch (Exception e)
        {
            events.Enqueue(new ModelFailed(e));
        }
        finally
        {
            // The extension's wrapper first (it stops what it runs), then the extension, then the runner it wrapped.
            if (runner is not null && !ReferenceEquals(runner, setup.Runner))
            {
                runner.Dispose();
            }

            if (gpu is not null)
            {
                extension?.Dispose();
            }

            setup.Runner.Dispose();
            setup.Release?.Invoke();
        }
    }

    private void Loop(IGptRunner runner, GpuGptRunner? gpu)
    {
        var stepper = new GenerationStepper(runner);
        var chunks = new PrefillChunks();
        var activeExtension = gpu is not null ? extension : null;
        var run = -1;
        var paused = false;
        var sinceUpdate = Stopwatch.StartNew();
        while (true)
        {
            while (commands.TryDequeue(out var command))
            {
                switch (command)
                {
                    case Command.Exit:
                        return;
                    case Command.Start start:
                        run = StartRun(stepper, start.Request);
                        break;
                    case Command.Sampling sampling when run >= 0 && stepper.IsRunning:
                        stepper.ChangeSampler(new Sampler(sampling.Settings));
                        break;
                    case Command.Pause pause:
                        paused = pause.Paused;
                        break;
                    case Command.Cancel:
                        run = -1;
                        break;
                    case Command.Reload:
                        activeExtension?.ReloadNow();
                        break;
                }
            }

            if (activeExtension is not null && sinceUpdate.Elapsed >= IdleWait)
            {
                activeExtension.Update();
                sinceUpdate.Restart();
            }

            if (run >= 0 && stepper.IsRunning && !paused)
            {
                if (!RunStep(stepper, chunks, run))
                {
                    run = -1;
                }

                gpu?.Timer.Poll();
            }
            else
            {
                wake.Wait(IdleWait);
            }
        }
    }

    // Returns the run number, or -1 when the request could not start.
    private int StartRun(GenerationStepper stepper, RunRequest request)
    {
        try
        {
            stepper.Start(request.Prompt, new Sampler(request.Sampling), request.MaxNewTokens, request.EosTokenId);
        }
        catch (Exception e) when (e is ContextFullException or ArgumentException)
        {
            events.Enqueue(new RunFailed(request.Run, e));
            return -1;
        }

        if (stepper.StopReason is { } reason)
        {
            events.Enqueue(new RunEnded(request.Run, reason, stepper.Runner.Position));
        }

        return request.Run;
    }

    // Runs one step and posts its news; false when the step failed.
    private bool RunStep(GenerationStepper stepper, PrefillChunks chunks, int run)
    {
        var clock = Stopwatch.StartNew();
        StepResult step;
        try
        {
            step = stepper.Step(chunks.Next);
        }
        catch (Exception e)
        {
            // A broken shader edit can make NaN logits, and the window must show that rather than end.
            events.Enqueue(new RunFailed(run, e));
            return false;
        }

        var milliseconds = clock.Elapsed.TotalMilliseconds;
        if (step.PrefillTokens > 0)
        {
            chunks.Record(step.PrefillTokens, milliseconds);
            events.Enqueue(new PrefillProgressed(run, stepper.Prefilled, stepper.PromptLength, milliseconds));
        }

        if (step.Token is { } token)
        {
            events.Enqueue(new TokenProduced(run, token, milliseconds, step.PrefillTokens == 0));
        }

        if (step.Stop is { } reason)
        {
            events.Enqueue(new RunEnded(run, reason, stepper.Runner.Position));
        }

        return true;
    }

    private abstract record Command
    {
        public sealed record Start(RunRequest Request) : Command;

        public sealed record Sampling(SamplingSettings Settings) : Command;

        public sealed record Pause(bool Paused) : Command;

        public sealed record Cancel : Command;

        public sealed record Reload : Command;

        public sealed record Exit : Command;
    }
}
