// The GPU runner with shader hot reload and live parity: what the window drives instead of the bare runner.
using System.Runtime.InteropServices;
using Playground.Gpu.Runtime;
using Playground.Model;

namespace Playground.Gpu.HotReload;

public sealed record HotReloadOptions
{
    /// <summary>Watch the shader folder; false leaves only <see cref="HotReloadRunner.ReloadAll"/> (the manual key).</summary>
    public bool Watch { get; init; } = true;

    public ShaderWatcherOptions Watcher { get; init; } = new();

    /// <summary>Run the background CPU parity check; false saves the CPU reference's memory and time.</summary>
    public bool CheckParity { get; init; } = true;

    public LiveParityOptions Parity { get; init; } = new();
}

/// <summary>
/// Wraps a <see cref="GpuGptRunner"/> as an <see cref="IGptRunner"/> (so a Generator drives it unchanged) and
/// adds the edit-save-see loop. Everything here runs on the GL thread:
/// <list type="bullet">
/// <item><see cref="Update"/> once per frame: polls the watcher and reloads when a save burst has settled.</item>
/// <item><see cref="ReloadAll"/> for the manual reload key.</item>
/// <item><see cref="Forward"/> and <see cref="Reset"/> as for any runner; each forward feeds <see cref="Parity"/>.</item>
/// <item>For the overlay: <see cref="LastFailure"/> (driver messages as file:line) and <see cref="ParityStatus"/>.</item>
/// </list>
/// A reload keeps the generation: the tokens stay, and the next forward uses the new shaders. The keys and
/// values already in the GPU's cache were made by the old shaders, though, and mixing them with new ones would
/// make parity blame (or clear) the wrong edit, and keep a fixed bug's damage in the context. So after a
/// successful reload the context is run again through the new shaders right away (one prefill), which also
/// gives the parity check a fresh step to compare even when nothing is being generated.
/// </summary>
public sealed class HotReloadRunner : IGptRunner
{
    private readonly List<int> _context = [];
    private int _cacheGeneration;

    /// <param name="gpu">The runner to drive; its cache is emptied, since this wrapper must know every token in it. It stays with its owner, who disposes it.</param>
    /// <param name="weights">The same weights the GPU runner was made from, for the CPU reference.</param>
    /// <param name="log">stderr in the app: one line per reload attempt and per parity state change.</param>
    public HotReloadRunner(GpuGptRunner gpu, GptWeights weights, TextWriter log, HotReloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(log);
        options ??= new HotReloadOptions();
        Gpu = gpu;
        Reloader = ShaderReloader.For(gpu, log);
        try
        {
            Watcher = options.Watch ? new ShaderWatcher(gpu.ShaderDirectory, options.Watcher) : null;
            if (Watcher?.FallbackReason is { } reason) log.WriteLine($"shader watch: {reason}");
            Parity = options.CheckParity ? new LiveParity(weights, log, options.Parity) : null;
        }
        catch
        {
            Watcher?.Dispose();
            throw;
        }
        gpu.Reset();
    }

    public GpuGptRunner Gpu { get; }
    public ShaderWatcher? Watcher { get; }
    public ShaderReloader Reloader { get; }
    public LiveParity? Parity { get; }

    /// <summary>The latest failed reload, with its diagnostics, while the last good shaders run; null when none.</summary>
    public ReloadReport? LastFailure => Reloader.LastFailure;

    /// <summary>The parity verdict for the overlay: state (colour), max-abs and position.</summary>
    public ParityStatus ParityStatus => Parity?.Status ?? ParityStatus.NotChecked;

    /// <summary>The tokens in the GPU's cache, in order.</summary>
    public IReadOnlyList<int> Context => _context;

    public GptConfig Config => Gpu.Config;
    public string Backend => Gpu.Backend;
    public int Position => Gpu.Position;

    /// <summary>Once per frame: reloads if the watcher has a settled change for the set. Returns the attempt, if any.</summary>
    public ReloadReport? Update()
    {
        if (Watcher?.Poll() is not { } batch) return null;
        ReloadReport? report = Reloader.TryReload(batch);
        if (report is { Succeeded: true }) AfterSwap();
        return report;
    }

    /// <summary>Rebuilds every program now, whatever changed: the manual reload key.</summary>
    public ReloadReport ReloadAll()
    {
        ReloadReport report = Reloader.ReloadAll();
        if (report.Succeeded) AfterSwap();
        return report;
    }

    public void Reset()
    {
        Gpu.Reset();
        _context.Clear();
        _cacheGeneration = Reloader.Generation;
    }

    public float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false)
    {
        if (_cacheGeneration != Reloader.Generation) Rerun();
        float[] logits = Gpu.Forward(tokens, allPositions);
        _context.AddRange(tokens);
        Parity?.OnStep(CollectionsMarshal.AsSpan(_context), logits.AsSpan(logits.Length - Config.VocabSize));
        return logits;
    }

    private void AfterSwap()
    {
        Parity?.ShadersChanged(Reloader.Generation);
        if (_context.Count == 0)
        {
            _cacheGeneration = Reloader.Generation;
            return;
        }
        float[] logits = Rerun();
        Parity?.OnStep(CollectionsMarshal.AsSpan(_context), logits);
    }

    /// <summary>Runs the whole context again so that the cache comes from the shaders now in use.</summary>
    private float[] Rerun()
    {
        _cacheGeneration = Reloader.Generation;
        Gpu.Reset();
        if (_context.Count == 0) return [];
        try
        {
            return Gpu.Forward(CollectionsMarshal.AsSpan(_context));
        }
        catch
        {
            // The cache is empty now, so the context it no longer holds must go too.
            _context.Clear();
            throw;
        }
    }

    /// <summary>Stops the watcher and the parity worker; the GPU runner is left to its owner.</summary>
    public void Dispose()
    {
        Watcher?.Dispose();
        Parity?.Dispose();
    }
}
