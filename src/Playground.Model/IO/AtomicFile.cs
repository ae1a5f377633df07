// Writes a file through a temporary sibling and a rename, so readers never see a half-written file.
namespace Playground.Model.IO;

/// <summary>
/// A file being written: bytes go to a temporary file next to the target, and <see cref="Commit"/> flushes it to
/// disk and renames it over the target. Disposing without committing deletes the temporary file, so a crash or an
/// exception leaves the old file (or no file) in place.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string? _temporaryPath;
    private bool _finished;

    private AtomicFile(string targetPath)
    {
        TargetPath = Path.GetFullPath(targetPath);
        try
        {
            if (IsDeviceLike(TargetPath))
            {
                // /dev/stdout, /dev/null and friends must be written in place: a rename would replace the device.
                Stream = new FileStream(TargetPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
                return;
            }
            string directory = Path.GetDirectoryName(TargetPath)!;
            Directory.CreateDirectory(directory);
            // Same directory as the target: a rename within one file system is atomic, across file systems it is a copy.
            _temporaryPath = Path.Combine(directory, $".{Path.GetFileName(TargetPath)}.{Guid.NewGuid():N}.tmp");
            Stream = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write {TargetPath}: {e.Message}", e);
        }
    }

    // .NET cannot tell a device from a regular file on Unix, so the pseudo file systems are recognised by path.
    private static bool IsDeviceLike(string fullPath) =>
        fullPath.StartsWith("/dev/", StringComparison.Ordinal) || fullPath.StartsWith("/proc/", StringComparison.Ordinal) ||
        fullPath.StartsWith("/sys/", StringComparison.Ordinal);

    public string TargetPath { get; }

    /// <summary>The temporary file's stream; write the whole content here, then call <see cref="Commit"/>.</summary>
    public FileStream Stream { get; }

    public static AtomicFile Create(string path) => new(path);

    /// <summary>Calls <paramref name="write"/> on a fresh <see cref="AtomicFile"/> and commits it.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = Create(path);
        write(file.Stream);
        file.Commit();
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        Stream.Flush(flushToDisk: _temporaryPath is not null);
        Stream.Dispose();
        if (_temporaryPath is not null) File.Move(_temporaryPath, TargetPath, overwrite: true);
        _finished = true;
    }

    public void Dispose()
    {
        if (_finished) return;
        Stream.Dispose();
        if (_temporaryPath is not null) File.Delete(_temporaryPath);
        _finished = true;
    }
}
