// What the window shows and how it reacts to keys, apart from drawing: the prompt, the generation, the figures.
using System.Globalization;
using System.Text;
using Playground.App.Window;
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;

namespace Playground.App.Realtime;

/// <summary>Where the current generation stands.</summary>
public enum SessionPhase
{
    /// <summary>The model thread is still making its runner.</summary>
    Loading,
    Prefilling,
    Generating,
    Finished,
    Failed,
}

/// <summary>The model a session runs, as the overlay describes it.</summary>
/// <param name="Name">What the user called it, e.g. "default" or a folder name.</param>
/// <param name="Config">Its shape.</param>
/// <param name="Tokenizer">Encodes typed prompts and decodes generated tokens.</param>
public sealed record SessionModel(string Name, GptConfig Config, ITokenizer Tokenizer);

/// <summary>
/// The window's state and behaviour without any drawing, driven by the frame loop on the window's thread: keys and
/// typed text come in through <see cref="HandleKey"/> / <see cref="HandleText"/>, news from the model thread through
/// <see cref="Update"/>. Starts generating <paramref name="initialPrompt"/> at once.
/// </summary>
public sealed class RealtimeSession
{
    private const double NoticeSeconds = 4;

    private readonly ModelThread model;
    private readonly Func<double> clock;
    private readonly int maxNewTokens;
    private readonly List<int> tokens = [];
    private int run;
    private double noticeUntil;
    private string? notice;
    private int? pinnedFirstLine;
    private double runStarted;

    /// <param name="model">The thread running the model; the session sends it runs and settings.</param>
    /// <param name="description">The model and its tokenizer.</param>
    /// <param name="initialPrompt">Generated from as soon as the model is ready.</param>
    /// <param name="sampling">Settings of the first run; keys change them later.</param>
    /// <param name="maxNewTokens">Tokens per generation at most; int.MaxValue runs until the context is full.</param>
    /// <param name="clock">Seconds on a monotonic clock, for notices that fade.</param>
    public RealtimeSession(ModelThread model, SessionModel description, string initialPrompt, SamplingSettings sampling, int maxNewTokens, Func<double> clock)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(initialPrompt);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        sampling.Validate();
        this.model = model;
        Model = description;
        Sampling = sampling;
        this.maxNewTokens = maxNewTokens;
        this.clock = clock;
        Transcript = new Transcript(description.Tokenizer);
        Start(initialPrompt, EncodePrompt(description, initialPrompt));
    }

    public SessionModel Model { get; }

    public Transcript Transcript { get; }

    public PromptEditor Editor { get; } = new();

    public TokenTimes TokenTimes { get; } = new();

    public PassBars PassBars { get; } = new();

    public FrameRate FrameRate { get; } = new();

    /// <summary>Whether a prompt is being typed (keys go to the editor).</summary>
    public bool IsEditing { get; private set; }

    public bool IsPaused { get; private set; }

    public bool OverlayVisible { get; private set; } = true;

    /// <summary>Set by the quit key; the frame loop ends.</summary>
    public bool QuitRequested { get; private set; }

    public SessionPhase Phase { get; private set; } = SessionPhase.Loading;

    /// <summary>"cpu" or "gpu" once the model thread is ready.</summary>
    public string? Backend { get; private set; }

    /// <summary>GL_RENDERER and version of the GPU runner's context; null on the CPU.</summary>
    public string? Renderer { get; private set; }

    public SamplingSettings Sampling { get; private set; }

    /// <summary>The prompt of the current generation, as typed.</summary>
    public string Prompt { get; private set; } = string.Empty;

    public IReadOnlyList<int> PromptTokens { get; private set; } = [];

    /// <summary>Tokens generated so far in the current generation.</summary>
    public IReadOnlyList<int> Tokens => tokens;

    /// <summary>Tokens in the model's cache.</summary>
    public int Position { get; private set; }

    public StopReason? StopReason { get; private set; }

    /// <summary>Why the last generation failed, for the status line.</summary>
    public string? FailureMessage { get; private set; }

    /// <summary>Prompt tokens in the cache during a prefill.</summary>
    public int PrefillDone { get; private set; }

    /// <summary>Generations started, including restarts.</summary>
    public int Runs => run;

    /// <summary>The first line of the text to show, or null to follow the newest text.</summary>
    public int? PinnedFirstLine => pinnedFirstLine;

    /// <summary>Whether the current generation has ended (finished or failed).</summary>
    public bool IsGenerationOver => Phase is SessionPhase.Finished or SessionPhase.Failed;

    /// <summary>Overlay lines from an extension (shader reload, parity), or none.</summary>
    public Func<IReadOnlyList<StatusLine>> ExtensionStatus { get; init; } = () => [];

    /// <summary>The status line: a fresh notice, else where the generation stands.</summary>
    public StatusLine Status
    {
        get
        {
            if (notice is not null && clock() < noticeUntil)
            {
                return new StatusLine(notice, StatusTone.Pending);
            }

            var inv = CultureInfo.InvariantCulture;
            var n = Model.Config.NPositions;
            return Phase switch
            {
                SessionPhase.Loading => new(string.Create(inv, $"loading the model… {clock() - runStarted:0.0} s"), StatusTone.Pending),
                SessionPhase.Prefilling => new(
                    string.Create(inv, $"prefill: {PrefillDone} of {PromptTokens.Count} prompt tokens… {clock() - runStarted:0.0} s"), StatusTone.Pending),
                SessionPhase.Generating when IsPaused => new("paused: Space resumes", StatusTone.Pending),
                SessionPhase.Generating => new(string.Create(inv, $"generating: {tokens.Count} tokens"), StatusTone.Normal),
                SessionPhase.Finished => StopReason switch
                {
                    Playground.Model.Generation.StopReason.ContextFull => new(
                        string.Create(inv, $"context full ({Position} of {n} positions): generation stopped. R restarts, Enter types a new prompt"),
                        StatusTone.Bad),
                    Playground.Model.Generation.StopReason.Eos => new(
                        string.Create(inv, $"done: the model wrote its end-of-text token after {tokens.Count} tokens"), StatusTone.Good),
                    _ => new(string.Create(inv, $"done: {tokens.Count} tokens (the --max-tokens limit)"), StatusTone.Good),
                },
                _ => new($"generation failed: {FailureMessage}", StatusTone.Bad),
            };
        }
    }

    /// <summary>Takes every piece of news from the model thread; never waits.</summary>
    /// <exception cref="Exception">The model thread could not make its runner: the error it failed with.</exception>
    public void Update()
    {
        while (model.TryTake(out var news))
        {
            switch (news)
            {
                case ModelFailed failed:
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed.Error).Throw();
                    break;
                case ModelReady ready:
                    Backend = ready.Backend;
                    Renderer = ready.Renderer;
                    if (Phase == SessionPhase.Loading)
                    {
                        Phase = SessionPhase.Prefilling;
                        runStarted = clock();
                    }

                    break;
                case PassTimingsArrived timings:
                    PassBars.Add(timings.Timings);
                    break;
                case PrefillProgressed progress when progress.Run == run:
                    PrefillDone = progress.Done;
                    Position = progress.Done;
                    break;
                case TokenProduced produced when produced.Run == run:
                    tokens.Add(produced.Token.Id);
                    Transcript.Append(produced.Token.Id);
                    Position = produced.Token.Position;
                    Phase = SessionPhase.Generating;
                    if (produced.IsDecode)
                    {
                        TokenTimes.Add(produced.Milliseconds);
                    }

                    break;
                case RunEnded ended when ended.Run == run:
                    Position = ended.Position;
                    StopReason = ended.Reason;
                    Phase = SessionPhase.Finished;
                    Transcript.Finish();
                    break;
                case RunFailed runFailed when runFailed.Run == run:
                    FailureMessage = runFailed.Error.Message.Split('\n')[0];
                    Phase = SessionPhase.Failed;
                    Transcript.Finish();
                    break;
            }
        }
    }

    /// <summary>Reacts to a key press: an action while the generation is shown, editing while a prompt is typed.</summary>
    public void HandleKey(KeyEvent key)
    {
        if (IsEditing)
        {
            HandleEditingKey(key);
            return;
        }

        switch (KeyBindings.ActionFor(key.Key, key.Modifiers))
        {
            case WindowAction.EditPrompt:
                Editor.Set(Prompt);
                IsEditing = true;
                break;
            case WindowAction.PauseResume when !key.IsRepeat:
                IsPaused = !IsPaused;
                model.SetPaused(IsPaused);
                break;
            case WindowAction.Restart when !key.IsRepeat:
                TryStart(Prompt, out _);
                break;
            case WindowAction.NewSeed when !key.IsRepeat:
                Sampling = Sampling with { Seed = Sampling.Seed + 1 };
                TryStart(Prompt, out _);
                break;
            case WindowAction.TemperatureUp:
                ChangeSampling(SamplingControls.StepTemperature(Sampling, +1));
                break;
            case WindowAction.TemperatureDown:
                ChangeSampling(SamplingControls.StepTemperature(Sampling, -1));
                break;
            case WindowAction.TopKUp:
                ChangeSampling(SamplingControls.StepTopK(Sampling, +1));
                break;
            case WindowAction.TopKDown:
                ChangeSampling(SamplingControls.StepTopK(Sampling, -1));
                break;
            case WindowAction.TopPUp:
                ChangeSampling(SamplingControls.StepTopP(Sampling, +1));
                break;
            case WindowAction.TopPDown:
                ChangeSampling(SamplingControls.StepTopP(Sampling, -1));
                break;
            case WindowAction.ReloadShaders when !key.IsRepeat:
                if (Backend == "gpu")
                {
                    model.Reload();
                    Notify("reloading shaders…");
                }
                else
                {
                    Notify("shader reload: not available with the cpu backend");
                }

                break;
            case WindowAction.ToggleOverlay when !key.IsRepeat:
                OverlayVisible = !OverlayVisible;
                break;
            case WindowAction.ScrollToEnd:
                pinnedFirstLine = null;
                break;
            case WindowAction.Quit:
                QuitRequested = true;
                break;
        }
    }

    /// <summary>Typed text; only used while a prompt is being typed.</summary>
    public void HandleText(Rune rune)
    {
        if (IsEditing)
        {
            Editor.Type(rune);
        }
    }

    /// <summary>
    /// Scrolls the text by <paramref name="lines"/> (positive: back towards the start), given the current layout's
    /// line count and visible lines; scrolling to the end follows new text again.
    /// </summary>
    public void Scroll(int lines, int lineCount, int visibleLines)
    {
        var last = Math.Max(0, lineCount - visibleLines);
        var first = (pinnedFirstLine ?? last) - lines;
        pinnedFirstLine = first >= last ? null : Math.Max(0, first);
    }

    /// <summary>Records a presented frame for frames/s.</summary>
    public void FramePresented() => FrameRate.Frame(clock());

    private void HandleEditingKey(KeyEvent key)
    {
        switch (key.Key)
        {
            case Key.Enter:
                if (TryStart(Editor.Text, out var error))
                {
                    IsEditing = false;
                }
                else
                {
                    Notify(error);
                }

                break;
            case Key.Escape:
                IsEditing = false;
                break;
            case Key.Backspace:
                Editor.Backspace();
                break;
            case Key.U when key.Modifiers.HasFlag(KeyModifiers.Control):
                Editor.Clear();
                break;
        }
    }

    private void ChangeSampling(SamplingSettings settings)
    {
        Sampling = settings;
        model.ChangeSampling(settings);
    }

    /// <summary>
    /// The tokens a prompt runs as. An empty prompt starts from the end-of-text token, as GPT-2 begins a text.
    /// </summary>
    /// <exception cref="FormatException">The prompt is empty and the model has no end-of-text token.</exception>
    /// <exception cref="ContextFullException">The prompt is longer than the context, as `generate` reports it.</exception>
    public static int[] EncodePrompt(SessionModel model, string prompt)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        var ids = model.Tokenizer.Encode(prompt);
        if (ids.Length == 0)
        {
            ids = model.Tokenizer.EndOfTextId is { } eos
                ? [eos]
                : throw new FormatException("the prompt is empty, and this model has no end-of-text token to start from");
        }

        return ids.Length > model.Config.NPositions ? throw new ContextFullException(0, ids.Length, model.Config.NPositions) : ids;
    }

    // Starts a generation from prompt; false (with a one-line reason) when the prompt cannot be run.
    private bool TryStart(string prompt, out string error)
    {
        try
        {
            Start(prompt, EncodePrompt(Model, prompt));
        }
        catch (Exception e) when (e is FormatException or ContextFullException)
        {
            error = e.Message;
            return false;
        }

        error = string.Empty;
        return true;
    }

    private void Start(string prompt, int[] ids)
    {
        run++;
        runStarted = clock();
        Prompt = prompt;
        PromptTokens = ids;
        tokens.Clear();
        Transcript.Reset(prompt);
        StopReason = null;
        FailureMessage = null;
        PrefillDone = 0;
        Position = 0;
        pinnedFirstLine = null;
        IsPaused = false;
        if (Phase != SessionPhase.Loading)
        {
            Phase = SessionPhase.Prefilling;
        }

        model.SetPaused(false);
        model.Start(new RunRequest(run, ids, Sampling, maxNewTokens, Model.Tokenizer.EndOfTextId ?? Model.Config.EosTokenId));
    }

    private void Notify(string message)
    {
        notice = message;
        noticeUntil = clock() + NoticeSeconds;
    }
}
