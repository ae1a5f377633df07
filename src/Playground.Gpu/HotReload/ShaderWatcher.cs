// Watches a shader folder for saved .comp and .glsl files and hands out one batch per editor save burst.
using System.Diagnostics;

namespace Playground.Gpu.HotReload;

/// <summary>Shader files that changed together in one save burst, ready to reload.</summary>
/// <param name="Paths">Full paths, sorted; a path may name a file that no longer exists.</param>
/// <param name="FirstChangeUtc">When the first change of the burst was seen: the start of the save-to-swap latency.</param>
public sealed record ShaderChangeBatch(IReadOnlyList<string> Paths, DateTime FirstChangeUtc)
{
    /// <summary>The file names as a user knows them, e.g. "gelu.comp, common.glsl".</summary>
    public override string ToString() => string.Join(", ", Paths.Select(Path.GetFileName));
}

public sealed record ShaderWatcherOptions
{
    /// <summary>Quiet time after the last change before a batch is released, so a save burst reloads once.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How often <see cref="ShaderWatcher.Poll"/> also compares the files' write times and sizes with the last
    /// scan. With file events on, this only catches what the events missed; without them it is the only signal.
    /// </summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>False forces scanning alone, as on file systems without change notifications.</summary>
    public bool UseFileSystemEvents { get; init; } = true;
}

/// <summary>
/// Collects changes to the *.comp and *.glsl files of a folder (subfolders too) from two sources: file system
/// events, for low latency, and a scan of write times and sizes every <see cref="ShaderWatcherOptions.ScanInterval"/>,
/// because events are not always there: inotify does not see changes made over NFS, SMB or a VM's shared folder,
/// the per-user inotify instance limit (128 by default) can run out, and an event buffer overflow drops events.
/// A scan stats a dozen files, a few microseconds of work. Renames count by both names, so an editor that writes
/// a temp file and renames it over the shader is seen. Hidden files (".gelu.comp.swp", Emacs' ".#gelu.comp"
/// lock) and other extensions ("gelu.comp~", "gelu.comp.tmp") are ignored.
/// <para>Thread-safe; it never touches GL. Event handlers run on the thread pool and only record paths;
/// the GL thread calls <see cref="Poll"/> once a frame and reloads when a batch comes back.</para>
/// </summary>
public sealed class ShaderWatcher : IDisposable
{
    private static readonly StringComparer PathComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly Lock _lock = new();
    private readonly ShaderWatcherOptions _options;
    private readonly FileSystemWatcher? _events;
    private readonly Dictionary<string, DateTime> _pending = new(PathComparer);
    private Dictionary<string, (DateTime WriteTimeUtc, long Length)> _snapshot;
    private long _lastChangeTimestamp;
    private long _nextScanTimestamp;
    private DateTime _lastScanUtc;
    private bool _scanNow;

    public ShaderWatcher(string directory, ShaderWatcherOptions? options = null)
    {
        _options = options ?? new ShaderWatcherOptions();
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory)) throw new DirectoryNotFoundException($"{Directory}: shader folder not found");
        _lastScanUtc = DateTime.UtcNow;
        _snapshot = Scan() ?? [];
        _nextScanTimestamp = Stopwatch.GetTimestamp() + ToTicks(_options.ScanInterval);
        if (!_options.UseFileSystemEvents)
        {
            FallbackReason = "file events are off";
            return;
        }
        var events = new FileSystemWatcher(Directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        events.Changed += OnChanged;
        events.Created += OnChanged;
        events.Deleted += OnChanged;
        events.Renamed += OnRenamed;
        events.Error += OnError;
        try
        {
            events.EnableRaisingEvents = true;
            _events = events;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            events.Dispose();
            FallbackReason = $"file events unavailable ({e.Message.TrimEnd('.')}), scanning instead";
        }
    }

    /// <summary>The folder watched, as a full path.</summary>
    public string Directory { get; }

    /// <summary>True when file system events drive the watcher; false when it relies on scanning alone.</summary>
    public bool UsesFileSystemEvents => _events is not null;

    /// <summary>Why file events are not used, for a one-line note to the user; null when they are.</summary>
    public string? FallbackReason { get; }

    /// <summary>How the watcher learns of changes, for a status line.</summary>
    public string Describe() => UsesFileSystemEvents
        ? $"file events, and a scan every {_options.ScanInterval.TotalMilliseconds:0} ms"
        : $"a scan every {_options.ScanInterval.TotalMilliseconds:0} ms ({FallbackReason})";

    /// <summary>True for the files that can take part in a shader set: visible *.comp and *.glsl files.</summary>
    public static bool IsShaderFile(string path)
    {
        string name = Path.GetFileName(path);
        if (name.Length == 0 || name[0] == '.') return false;
        string extension = Path.GetExtension(name);
        return extension.Equals(".comp", StringComparison.OrdinalIgnoreCase) || extension.Equals(".glsl", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Returns the changes seen so far once the folder has been quiet for the debounce time, else null. Cheap:
    /// call it every frame. A batch is handed out once; changes after it start the next one.
    /// </summary>
    public ShaderChangeBatch? Poll()
    {
        lock (_lock)
        {
            long now = Stopwatch.GetTimestamp();
            bool scanned = _scanNow || now >= _nextScanTimestamp;
            if (scanned) ScanForChanges(now);
            if (_pending.Count == 0 || Stopwatch.GetElapsedTime(_lastChangeTimestamp, now) < _options.Debounce) return null;
            // A scan right before release puts every file's current state in the snapshot, so that the periodic
            // scan does not report this burst a second time; something new that it finds restarts the quiet time.
            if (!scanned && ScanForChanges(now)) return null;
            var batch = new ShaderChangeBatch([.. _pending.Keys.Order(PathComparer)], _pending.Values.Min());
            _pending.Clear();
            return batch;
        }
    }

    /// <summary>
    /// Polls until a batch is ready, <paramref name="timeout"/> passes (null), or <paramref name="cancellation"/>
    /// fires (null), for callers without a frame loop of their own.
    /// </summary>
    public ShaderChangeBatch? Wait(TimeSpan timeout, CancellationToken cancellation = default)
    {
        long start = Stopwatch.GetTimestamp();
        while (!cancellation.IsCancellationRequested)
        {
            if (Poll() is { } batch) return batch;
            if (timeout != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(start) >= timeout) return null;
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(10));
        }
        return null;
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => Record(e.FullPath);

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        Record(e.OldFullPath);
        Record(e.FullPath);
    }

    // The event buffer overflowed: which files changed is lost, so the next poll scans them all.
    private void OnError(object sender, ErrorEventArgs e)
    {
        lock (_lock) _scanNow = true;
    }

    private void Record(string path)
    {
        if (!IsShaderFile(path)) return;
        lock (_lock)
        {
            _pending.TryAdd(Path.GetFullPath(path), DateTime.UtcNow);
            _lastChangeTimestamp = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Compares the folder with the last snapshot; returns true when it found a change not yet pending.</summary>
    private bool ScanForChanges(long now)
    {
        DateTime previousScanUtc = _lastScanUtc, nowUtc = DateTime.UtcNow;
        _nextScanTimestamp = now + ToTicks(_options.ScanInterval);
        if (Scan() is not { } current) return false;
        bool found = false;
        foreach (var (path, state) in current)
        {
            if (_snapshot.TryGetValue(path, out var before) && before == state) continue;
            // The write happened after the previous scan, or that scan would have seen it; a copied file may carry an older time.
            found |= MarkFromScan(path, state.WriteTimeUtc < previousScanUtc ? previousScanUtc : state.WriteTimeUtc, now);
        }
        foreach (string path in _snapshot.Keys)
        {
            if (!current.ContainsKey(path)) found |= MarkFromScan(path, previousScanUtc, now);
        }
        _snapshot = current;
        _lastScanUtc = nowUtc;
        _scanNow = false;
        return found;
    }

    private bool MarkFromScan(string path, DateTime changedUtc, long now)
    {
        if (!_pending.TryAdd(path, changedUtc)) return false;
        _lastChangeTimestamp = now;
        return true;
    }

    /// <summary>Write time and size of every shader file; null when the folder changed under the scan.</summary>
    private Dictionary<string, (DateTime WriteTimeUtc, long Length)>? Scan()
    {
        var files = new Dictionary<string, (DateTime, long)>(PathComparer);
        try
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories))
            {
                if (!IsShaderFile(path)) continue;
                var info = new FileInfo(path);
                if (info.Exists) files[path] = (info.LastWriteTimeUtc, info.Length);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The folder vanished mid-scan, or cannot be read: a partial listing would look like deleted files.
            return null;
        }
        return files;
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public void Dispose() => _events?.Dispose();
}
