// The reload step on a temp shader folder: errors mapped to the edited file and line, the old set kept, includes followed.
using Playground.Gpu.HotReload;
using Playground.Gpu.Runtime;
using Playground.Gpu.Verification;
using Playground.Model.Numerics;
using Xunit.Abstractions;

namespace Playground.Gpu.Tests.HotReload;

public sealed class ShaderReloaderTests(ITestOutputHelper output)
{
    // A line that is a syntax error wherever it stands, so the driver reports it on its own line.
    private const string SyntaxError = "float broken = ;";

    private static ShaderChangeBatch Saved(ReloadRig rig, params string[] names) => new([.. names.Select(n => rig.Folder[n])], DateTime.UtcNow);

    [Fact]
    public void A_syntax_error_is_reported_at_the_edited_file_and_line_and_the_old_programs_keep_working()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        ShaderSet running = rig.Runner.Kernels.Shaders;
        // After the include: the driver sees common.glsl's lines and the injected defines before this one.
        rig.Folder.Edit("attention.comp", "#include \"common.glsl\"\n", "#include \"common.glsl\"\n" + SyntaxError + "\n");
        int line = rig.LineOf("attention.comp", SyntaxError);

        ReloadReport? report = reloader.TryReload(Saved(rig, "attention.comp"));

        Assert.NotNull(report);
        Assert.False(report.Succeeded);
        Assert.Same(report, reloader.LastFailure);
        Assert.Contains(report.Diagnostics, d => d.File == "attention.comp" && d.Line == line);
        Assert.Contains(rig.LogLines(), l => l.StartsWith($"shader reload: attention.comp FAILED attention.comp:{line}: ", StringComparison.Ordinal));
        Assert.Same(running, rig.Runner.Kernels.Shaders);
        Assert.Equal(0, reloader.Generation);
        int[] tokens = ReloadRig.Tokens(12, seed: 1);
        double error = ReloadRig.RelativeError(rig.Runner.Forward(tokens), rig.CpuLogits(tokens));
        output.WriteLine($"{string.Join('\n', rig.LogLines())}\nlogits after the failed reload: relative error {error:E2}");
        Assert.True(error <= 1e-4, $"the kept shaders no longer match the CPU: relative error {error:E2}");
    }

    [Fact]
    public void An_error_in_an_included_file_is_reported_in_that_file_for_every_program_that_includes_it()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        string[] includers = [.. Directory.GetFiles(rig.Folder.Path, "*.comp")
            .Where(f => File.ReadAllText(f).Contains("#include \"common.glsl\"", StringComparison.Ordinal)).Select(Path.GetFileName)!];
        rig.Folder.Edit("common.glsl", "#define BINDING_DST 0\n", "#define BINDING_DST 0\n" + SyntaxError + "\n");
        int line = rig.LineOf("common.glsl", SyntaxError);

        ReloadReport? report = reloader.TryReload(Saved(rig, "common.glsl"));

        Assert.NotNull(report);
        Assert.False(report.Succeeded);
        Assert.Contains(report.Diagnostics, d => d.File == "common.glsl" && d.Line == line);
        Assert.Contains(rig.LogLines(), l => l.StartsWith($"shader reload: common.glsl FAILED common.glsl:{line}: ", StringComparison.Ordinal));
        // Every program built from a file that includes common.glsl is named as affected, every variant of matmul too.
        Assert.Equal(rig.Runner.Kernels.Shaders.Programs.Count, report.Programs.Count);
        Assert.All(report.Programs, p => Assert.Contains(p.Split(' ')[0], includers));
    }

    [Fact]
    public void An_edit_of_an_included_file_reaches_every_program_that_includes_it()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        OpCase[] dependants = [OpParityCases.Gelu(1000, 3f), OpParityCases.Residual(4099), OpParityCases.Encoder(7, 48, 97, 3, 16)];
        const string loop = "i < (n);";
        string original = File.ReadAllText(rig.Folder["common.glsl"]);

        // Still compiles, but the shared grid-stride loop now stops halfway: only the programs that include it can show that.
        rig.Folder.Edit("common.glsl", loop, "i < (n) / 2u;");
        ReloadReport? broken = reloader.TryReload(Saved(rig, "common.glsl"));
        ParityResult[] whileBroken = [.. dependants.Select(c => c.Run(c, rig.Runner.Kernels))];
        rig.Folder.Write("common.glsl", original);
        ReloadReport? fixedAgain = reloader.TryReload(Saved(rig, "common.glsl"));
        ParityResult[] afterFix = [.. dependants.Select(c => c.Run(c, rig.Runner.Kernels))];

        Assert.True(broken is { Succeeded: true }, string.Join('\n', rig.LogLines()));
        Assert.All(whileBroken, r => Assert.False(r.Pass, $"{r.Name} passed with the broken include"));
        Assert.True(fixedAgain is { Succeeded: true, Generation: 2 });
        Assert.All(afterFix, r => Assert.True(r.Pass, r.ToString()));
    }

    [Fact]
    public void A_new_file_that_no_program_uses_does_not_reload()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        ShaderSet running = rig.Runner.Kernels.Shaders;
        rig.Folder.Write("notes.glsl", "// an include nobody includes yet\n");

        Assert.Null(reloader.TryReload(Saved(rig, "notes.glsl")));
        Assert.Same(running, rig.Runner.Kernels.Shaders);
        Assert.Empty(rig.LogLines());
    }

    [Fact]
    public void After_a_failure_creating_the_missing_include_reloads_successfully()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        rig.Folder.Edit("gelu.comp", "#include \"common.glsl\"\n", "#include \"common.glsl\"\n#include \"extra.glsl\"\n");
        int line = rig.LineOf("gelu.comp", "extra.glsl");

        ReloadReport? missing = reloader.TryReload(Saved(rig, "gelu.comp"));
        // extra.glsl was never part of the running set; only the failure makes it worth a reload.
        rig.Folder.Write("extra.glsl", "// now it exists\n");
        ReloadReport? created = reloader.TryReload(Saved(rig, "extra.glsl"));

        Assert.NotNull(missing);
        Assert.Contains(missing.Diagnostics, d => d.File == "gelu.comp" && d.Line == line && d.Message.Contains("extra.glsl", StringComparison.Ordinal));
        Assert.True(created is { Succeeded: true, Generation: 1 }, string.Join('\n', rig.LogLines()));
        Assert.Null(reloader.LastFailure);
        Assert.Contains(rig.Runner.Kernels.Shaders.SourceFiles, f => f == rig.Folder["extra.glsl"]);
    }

    [Fact]
    public void The_manual_reload_rebuilds_every_program()
    {
        using var rig = new ReloadRig();
        var reloader = ShaderReloader.For(rig.Runner, rig.Log);
        ShaderSet before = rig.Runner.Kernels.Shaders;
        string[] names = [.. before.Programs.Select(p => p.Name)];

        ReloadReport report = reloader.ReloadAll();

        Assert.True(report.Succeeded);
        Assert.Equal(1, report.Generation);
        Assert.Equal(names, report.Programs);
        Assert.NotSame(before, rig.Runner.Kernels.Shaders);
        Assert.Empty(before.Programs);
        Assert.Contains(rig.LogLines(), l => l.StartsWith("shader reload: all shaders ok (compile ", StringComparison.Ordinal));
    }
}
