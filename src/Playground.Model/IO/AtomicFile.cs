// Writes a file through a temporary sibling and a rename, so readers never see a half-written file.
namespace Playground.Model.IO;

/// <summary>
/// A file being written: bytes go to a temporary file next to the target, and <see cref="Commit"/> flushes it to
/// disk and renames it over the target. Disposing without committing deletes the temporary file, so a crash or an
/// exception leaves the old file (or no file) in place.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly string _temporaryPath;
    private bool _finished;

    private AtomicFile(string targetPath)
    {
        TargetPath = Path.GetFullPath(targetPath);
        string directory = Path.GetDirectoryName(TargetPath)!;
        Directory.CreateDirectory(directory);
        // Same directory as the target: a rename within one file system is atomic, across file systems it is a copy.
        _temporaryPath = Path.Combine(directory, $".{Path.GetFileName(TargetPath)}.{Guid.NewGuid():N}.tmp");
        Stream = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

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
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        File.Move(_temporaryPath, TargetPath, overwrite: true);
        _finished = true;
    }

    public void Dispose()
    {
        if (_finished) return;
        Stream.Dispose();
        File.Delete(_temporaryPath);
        _finished = true;
    }
}
