// Recompiles the shader set on the GL thread and swaps it in only when every program compiles and links.
using System.Diagnostics;
using System.Globalization;
using Playground.Gpu.Runtime;
using Playground.Gpu.Shaders;

namespace Playground.Gpu.HotReload;

/// <summary>The outcome of one reload attempt.</summary>
/// <param name="ChangedFiles">File names that triggered it; empty for a manual reload of everything.</param>
/// <param name="Programs">Programs built from a changed file (all of them for a manual reload); the whole set is rebuilt either way.</param>
/// <param name="Diagnostics">On failure, the driver's messages mapped to the user's file and line.</param>
/// <param name="CompileTime">Time to build the new set, successful or not.</param>
/// <param name="SaveToSwap">From the first change seen in the save burst to the new set in use; null for a manual or failed reload.</param>
/// <param name="Generation">The shader generation in use after the attempt; it grows by one with every swap.</param>
public sealed record ReloadReport(
    IReadOnlyList<string> ChangedFiles,
    IReadOnlyList<string> Programs,
    bool Succeeded,
    IReadOnlyList<ShaderDiagnostic> Diagnostics,
    TimeSpan CompileTime,
    TimeSpan? SaveToSwap,
    int Generation)
{
    /// <summary>What was reloaded, as the log line names it: the changed files, or "all shaders".</summary>
    public string What => ChangedFiles.Count == 0 ? "all shaders" : string.Join(", ", ChangedFiles);

    /// <summary>
    /// The stderr lines: `shader reload: gelu.comp ok (142 ms)` with the save-to-swap time (compile time for a
    /// manual reload), or one `shader reload: gelu.comp FAILED gelu.comp:17: message` line per driver message.
    /// </summary>
    public IEnumerable<string> LogLines()
    {
        if (Succeeded)
        {
            var inv = CultureInfo.InvariantCulture;
            string timing = SaveToSwap is { } latency
                ? string.Create(inv, $"{latency.TotalMilliseconds:0} ms from save, compile {CompileTime.TotalMilliseconds:0} ms")
                : string.Create(inv, $"compile {CompileTime.TotalMilliseconds:0} ms");
            yield return $"shader reload: {What} ok ({timing})";
            yield break;
        }
        foreach (ShaderDiagnostic d in Diagnostics) yield return $"shader reload: {What} FAILED {d}";
    }
}

/// <summary>
/// Owns the reload step: builds a whole new <see cref="ShaderSet"/> from the folder and swaps it into the
/// kernels, so a set is never half old and half new. Building the whole set costs little (the driver's shader
/// cache returns unchanged programs at once) and is what makes an edit of an included file reach every program
/// that includes it. On failure the running set stays; <see cref="LastFailure"/> holds the mapped diagnostics.
/// <para>Call it only on the thread whose GL context is current, between forward passes: the next dispatch
/// simply uses the new programs, and the KV cache and every buffer are untouched.</para>
/// </summary>
public sealed class ShaderReloader
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly GpuKernels _kernels;
    private readonly Func<ShaderSet> _compile;
    private readonly TextWriter _log;

    /// <param name="kernels">The kernels whose programs are replaced.</param>
    /// <param name="compile">Builds a fresh set from the same folder and variant; throws ShaderCompileException on failure.</param>
    /// <param name="log">Receives one line per attempt (stderr in the app); null for none.</param>
    public ShaderReloader(GpuKernels kernels, Func<ShaderSet> compile, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        ArgumentNullException.ThrowIfNull(compile);
        _kernels = kernels;
        _compile = compile;
        _log = log ?? TextWriter.Null;
    }

    /// <summary>A reloader for a runner's own kernels, folder and variant.</summary>
    public static ShaderReloader For(GpuGptRunner runner, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return new ShaderReloader(runner.Kernels, runner.CompileShaders, log);
    }

    /// <summary>Number of sets swapped in so far; anything computed under an older generation used other shaders.</summary>
    public int Generation { get; private set; }

    /// <summary>The latest attempt, successful or not; null before the first.</summary>
    public ReloadReport? Last { get; private set; }

    /// <summary>The latest attempt while it failed, for the overlay's error panel; null once a reload succeeds.</summary>
    public ReloadReport? LastFailure => Last is { Succeeded: false } last ? last : null;

    /// <summary>Raised after every attempt, on the GL thread.</summary>
    public event Action<ReloadReport>? Attempted;

    /// <summary>
    /// True when <paramref name="batch"/> touches a file the running set was built from, includes too. After a
    /// failed attempt every change counts, since the fix may be a file the running set never used (a new include).
    /// </summary>
    public bool Affects(ShaderChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (LastFailure is not null) return true;
        var sources = new HashSet<string>(_kernels.Shaders.SourceFiles, PathComparer);
        return batch.Paths.Any(sources.Contains);
    }

    /// <summary>Reloads for a batch from a <see cref="ShaderWatcher"/>; null when no file of the set changed.</summary>
    public ReloadReport? TryReload(ShaderChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!Affects(batch)) return null;
        var changed = new HashSet<string>(batch.Paths, PathComparer);
        string[] programs = [.. _kernels.Shaders.Programs.Where(p => p.Source.Files.Any(changed.Contains)).Select(p => p.Name)];
        string[] names = [.. batch.Paths.Select(p => Path.GetRelativePath(_kernels.Shaders.Directory, p))];
        return Reload(names, programs, batch.FirstChangeUtc);
    }

    /// <summary>Rebuilds every program now: the manual reload key.</summary>
    public ReloadReport ReloadAll() => Reload([], [.. _kernels.Shaders.Programs.Select(p => p.Name)], savedUtc: null);

    private ReloadReport Reload(string[] changedFiles, string[] programs, DateTime? savedUtc)
    {
        var clock = Stopwatch.StartNew();
        ReloadReport report;
        try
        {
            ShaderSet next = _compile();
            TimeSpan compileTime = clock.Elapsed;
            _kernels.SwapShaders(next).Dispose();
            Generation++;
            TimeSpan? latency = savedUtc is { } saved ? DateTime.UtcNow - saved : null;
            report = new ReloadReport(changedFiles, programs, true, [], compileTime, latency, Generation);
        }
        catch (ShaderCompileException e)
        {
            IReadOnlyList<ShaderDiagnostic> diagnostics = e.Diagnostics.Count > 0
                ? e.Diagnostics
                : [new ShaderDiagnostic(e.Shader, 0, e.Message.ReplaceLineEndings(" "))];
            report = new ReloadReport(changedFiles, programs, false, diagnostics, clock.Elapsed, null, Generation);
        }
        Last = report;
        foreach (string line in report.LogLines()) _log.WriteLine(line);
        Attempted?.Invoke(report);
        return report;
    }
}
