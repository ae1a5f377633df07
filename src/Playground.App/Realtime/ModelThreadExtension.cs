// The seam for features that drive the GPU runner from the model thread (shader hot reload, live parity checks).
using Playground.Gpu.HotReload;
using Playground.Gpu.Runtime;
using Playground.Model;

namespace Playground.App.Realtime;

/// <summary>How the overlay colours a status line.</summary>
public enum StatusTone
{
    Normal,
    Good,
    Pending,
    Bad,
}

/// <summary>One line of the overlay's status area, e.g. the last shader reload or the live parity verdict.</summary>
public readonly record struct StatusLine(string Text, StatusTone Tone);

/// <summary>
/// A feature that works on the GPU runner from the model thread, the thread whose GL context the runner uses.
/// The window calls <see cref="Attach"/>, <see cref="Update"/>, <see cref="ReloadNow"/> and
/// <see cref="IDisposable.Dispose"/> on that thread only, never during a forward pass; it reads
/// <see cref="StatusLines"/> on the window's thread every frame, so that property must return an immutable snapshot.
/// The model thread disposes the runner that <see cref="Attach"/> returns, then the extension.
/// </summary>
public interface IModelThreadExtension : IDisposable
{
    /// <summary>Called once when the GPU runner is ready; returns the runner to generate with (it, or a wrapper).</summary>
    IGptRunner Attach(GpuGptRunner gpu, GptWeights weights);

    /// <summary>Called between steps, at least every 50 ms: e.g. poll a file watcher and reload.</summary>
    void Update();

    /// <summary>The reload key was pressed.</summary>
    void ReloadNow();

    /// <summary>Lines for the overlay; empty for none.</summary>
    IReadOnlyList<StatusLine> StatusLines { get; }
}

/// <summary>
/// Shader hot reload with live parity (<see cref="HotReloadRunner"/>): the shader folder is watched and reloaded on
/// save, the reload key rebuilds every program, and a background CPU check compares the GPU's logits. The overlay
/// shows the last reload (ok, or FAILED with the driver's messages as file:line) and the parity verdict in colour.
/// </summary>
public sealed class ShaderHotReload : IModelThreadExtension
{
    private const int MaxDiagnosticLines = 6;

    private readonly TextWriter log;
    private readonly HotReloadOptions options;
    private HotReloadRunner? runner;
    private volatile IReadOnlyList<StatusLine> reloadLines = [];

    /// <param name="log">Where reload attempts and parity changes are logged, one line each (stderr in the app); must be thread-safe.</param>
    /// <param name="options">Watching and parity settings; null for the defaults.</param>
    public ShaderHotReload(TextWriter log, HotReloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        this.log = log;
        this.options = options ?? new HotReloadOptions();
    }

    public IReadOnlyList<StatusLine> StatusLines
    {
        get
        {
            if (runner is not { } attached)
            {
                return [];
            }

            var parity = attached.ParityStatus;
            var tone = parity.CheckedAtUtc == DateTime.MinValue ? StatusTone.Normal : parity.State switch
            {
                ParityState.Ok => StatusTone.Good,
                ParityState.Failed => StatusTone.Bad,
                _ => StatusTone.Pending,
            };
            return attached.Parity is null ? reloadLines : [.. reloadLines, new StatusLine(parity.ToString(), tone)];
        }
    }

    public IGptRunner Attach(GpuGptRunner gpu, GptWeights weights)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        ArgumentNullException.ThrowIfNull(weights);
        runner = new HotReloadRunner(gpu, weights, log, options);
        var folder = ShortPath(gpu.ShaderDirectory);
        reloadLines = [new StatusLine(runner.Watcher is null ? $"shaders: {folder}; F5 reloads" : $"shaders: watching {folder}", StatusTone.Normal)];
        return runner;
    }

    public void Update()
    {
        if (runner?.Update() is { } report)
        {
            Show(report);
        }
    }

    public void ReloadNow()
    {
        if (runner is not null)
        {
            Show(runner.ReloadAll());
        }
    }

    /// <summary>Nothing to release here: the model thread disposes the runner <see cref="Attach"/> returned, which stops the watcher and the parity worker.</summary>
    public void Dispose()
    {
    }

    private void Show(ReloadReport report)
    {
        if (report.Succeeded)
        {
            reloadLines = [new StatusLine(report.LogLines().First().Replace("shader reload: ", "shaders: ", StringComparison.Ordinal), StatusTone.Good)];
            return;
        }

        var lines = new List<StatusLine> { new($"shaders: {report.What} FAILED, the last good set runs:", StatusTone.Bad) };
        lines.AddRange(report.Diagnostics.Take(MaxDiagnosticLines).Select(d => new StatusLine(d.ToString(), StatusTone.Bad)));
        reloadLines = lines;
    }

    private static string ShortPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.Length < path.Length && !relative.StartsWith("..", StringComparison.Ordinal) ? $".{Path.DirectorySeparatorChar}{relative}" : path;
    }
}
