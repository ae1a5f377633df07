// Tests that AtomicFile never leaves a half-written target or stray temporary files.
using Playground.Model.IO;

namespace Playground.Model.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_failed_write_keeps_the_old_content_and_removes_the_temporary_file()
    {
        string path = _folder.Combine("file.bin");
        File.WriteAllBytes(path, [1, 2, 3]);

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("simulated failure");
        }));

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["file.bin"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_committed_write_replaces_the_file_and_creates_missing_folders()
    {
        string path = _folder.Combine("new", "deeper", "file.bin");

        AtomicFile.Write(path, stream => stream.Write([4, 5]));

        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void A_device_is_written_in_place_not_replaced()
    {
        AtomicFile.Write("/dev/null", stream => stream.Write([1, 2, 3]));

        Assert.False(new FileInfo("/dev/null").Length > 0, "/dev/null became a regular file");
        Assert.Empty(Directory.GetFiles("/dev", ".null.*.tmp"));
    }

    [Fact]
    public void An_unwritable_target_names_the_target()
    {
        // A regular file where a folder should be: nothing can be created below it.
        File.WriteAllText(_folder.Combine("blocker"), "");
        string target = Path.Combine(_folder.Combine("blocker"), "inside.bin");

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(target, stream => stream.Write([1])));

        Assert.Contains(target, e.Message);
    }
}
