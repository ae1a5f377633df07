// The seam for features that drive the GPU runner from the model thread (shader hot reload, live parity checks).
using System.Diagnostics;
using System.Globalization;
using Playground.Gpu.Runtime;
using Playground.Gpu.Shaders;
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
/// The reload key without a file watcher: recompiles every compute shader from the runner's shader folder and swaps
/// the new set in when all of it compiles, else keeps the running set and shows the compiler's messages.
/// </summary>
public sealed class ManualShaderReload : IModelThreadExtension
{
    private const int MaxDiagnosticLines = 6;

    private GpuGptRunner? gpu;
    private volatile IReadOnlyList<StatusLine> lines = [];

    public IReadOnlyList<StatusLine> StatusLines => lines;

    public IGptRunner Attach(GpuGptRunner gpuRunner, GptWeights weights)
    {
        ArgumentNullException.ThrowIfNull(gpuRunner);
        gpu = gpuRunner;
        lines = [new StatusLine($"shaders from {ShortPath(gpuRunner.ShaderDirectory)}; F5 reloads", StatusTone.Normal)];
        return gpuRunner;
    }

    public void Update()
    {
    }

    public void ReloadNow()
    {
        if (gpu is null)
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            var fresh = gpu.CompileShaders();
            gpu.Kernels.SwapShaders(fresh).Dispose();
            lines = [new StatusLine(
                string.Create(CultureInfo.InvariantCulture, $"shaders reloaded: ok ({clock.Elapsed.TotalMilliseconds:0} ms)"),
                StatusTone.Good)];
        }
        catch (ShaderCompileException e)
        {
            // The compiler's messages are file:line lines; the first few fit the panel.
            var failed = new List<StatusLine> { new("shaders reload FAILED (previous set kept):", StatusTone.Bad) };
            failed.AddRange(e.Diagnostics.Take(MaxDiagnosticLines).Select(d => new StatusLine(d.ToString(), StatusTone.Bad)));
            if (e.Diagnostics.Count == 0)
            {
                failed.Add(new StatusLine(e.Message.Split('\n')[0], StatusTone.Bad));
            }

            lines = failed;
        }
        catch (IOException e)
        {
            lines = [new StatusLine($"shaders reload FAILED: {e.Message}", StatusTone.Bad)];
        }
    }

    public void Dispose()
    {
    }

    private static string ShortPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.Length < path.Length && !relative.StartsWith("..", StringComparison.Ordinal) ? $".{Path.DirectorySeparatorChar}{relative}" : path;
    }
}
