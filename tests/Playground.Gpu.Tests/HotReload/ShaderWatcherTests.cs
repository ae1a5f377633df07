// The shader watcher on a temp copy of shaders/: editor save styles, ignored files, and scanning without file events.
using Playground.Gpu.HotReload;

namespace Playground.Gpu.Tests.HotReload;

public sealed class ShaderWatcherTests
{
    // Generous: a batch normally arrives a debounce (50 ms) after the save; a loaded CI machine may be slower.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_burst_of_writes_to_one_file_is_one_batch()
    {
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path);
        string text = File.ReadAllText(folder["gelu.comp"]);
        for (int i = 0; i < 3; i++) folder.Write("gelu.comp", text + $"// save {i}\n");

        ShaderChangeBatch? batch = watcher.Wait(Patience);

        Assert.NotNull(batch);
        Assert.Equal([folder["gelu.comp"]], batch.Paths);
        // The periodic scan sees the same write times afterwards and must not report the burst again.
        Assert.Null(watcher.Wait(TimeSpan.FromMilliseconds(800)));
    }

    [Fact]
    public void A_save_by_rename_over_the_shader_is_picked_up()
    {
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path);
        string temp = folder["gelu.comp.tmp"];
        File.WriteAllText(temp, File.ReadAllText(folder["gelu.comp"]) + "// saved through a temp file\n");
        File.Move(temp, folder["gelu.comp"], overwrite: true);

        ShaderChangeBatch? batch = watcher.Wait(Patience);

        Assert.NotNull(batch);
        Assert.Equal([folder["gelu.comp"]], batch.Paths);
    }

    [Fact]
    public void A_save_that_moves_the_old_file_aside_first_is_picked_up()
    {
        // vim's default: rename the original to a backup, write a new file, delete the backup.
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path);
        string text = File.ReadAllText(folder["residual.comp"]);
        File.Move(folder["residual.comp"], folder["residual.comp~"]);
        folder.Write("residual.comp", text + "// saved by vim\n");
        File.Delete(folder["residual.comp~"]);

        ShaderChangeBatch? batch = watcher.Wait(Patience);

        Assert.NotNull(batch);
        Assert.Equal([folder["residual.comp"]], batch.Paths);
    }

    [Fact]
    public void Editor_swap_backup_and_temp_files_are_not_changes()
    {
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path);
        foreach (string name in new[] { ".gelu.comp.swp", "gelu.comp~", "4913", ".#gelu.comp", "gelu.comp.tmp", "notes.txt" })
            folder.Write(name, "scratch");
        folder.Write("residual.comp", File.ReadAllText(folder["residual.comp"]) + "// the one real save\n");

        ShaderChangeBatch? batch = watcher.Wait(Patience);

        Assert.NotNull(batch);
        Assert.Equal([folder["residual.comp"]], batch.Paths);
    }

    [Fact]
    public void Files_saved_together_come_as_one_batch_in_path_order()
    {
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path);
        folder.Write("gelu.comp", File.ReadAllText(folder["gelu.comp"]) + "// a\n");
        folder.Write("common.glsl", File.ReadAllText(folder["common.glsl"]) + "// b\n");

        ShaderChangeBatch? batch = watcher.Wait(Patience);

        Assert.NotNull(batch);
        Assert.Equal([folder["common.glsl"], folder["gelu.comp"]], batch.Paths);
        Assert.Equal("common.glsl, gelu.comp", batch.ToString());
    }

    [Fact]
    public void Scanning_alone_sees_saves_and_deletions_when_file_events_are_off()
    {
        using var folder = new TempShaderFolder();
        using var watcher = new ShaderWatcher(folder.Path, new ShaderWatcherOptions { UseFileSystemEvents = false, ScanInterval = TimeSpan.FromMilliseconds(50) });
        Assert.False(watcher.UsesFileSystemEvents);

        folder.Write("gelu.comp", File.ReadAllText(folder["gelu.comp"]) + "// scanned\n");
        ShaderChangeBatch? saved = watcher.Wait(Patience);
        File.Delete(folder["residual.comp"]);
        ShaderChangeBatch? deleted = watcher.Wait(Patience);

        Assert.NotNull(saved);
        Assert.Equal([folder["gelu.comp"]], saved.Paths);
        Assert.NotNull(deleted);
        Assert.Equal([folder["residual.comp"]], deleted.Paths);
    }

    [Theory]
    [InlineData("gelu.comp", true)]
    [InlineData("common.glsl", true)]
    [InlineData("sub/extra.glsl", true)]
    [InlineData("gelu.comp~", false)]
    [InlineData("gelu.comp.tmp", false)]
    [InlineData(".gelu.comp.swp", false)]
    [InlineData(".#gelu.comp", false)]
    [InlineData("4913", false)]
    public void Shader_files_are_told_from_editor_files(string name, bool isShader) =>
        Assert.Equal(isShader, ShaderWatcher.IsShaderFile(name));
}
