// The whole edit-save-see loop on a temp shader folder: watcher, reload on the GL thread, generation and live parity.
using Playground.Gpu.HotReload;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;
using Xunit.Abstractions;

namespace Playground.Gpu.Tests.HotReload;

public sealed class HotReloadRunnerTests(ITestOutputHelper output)
{
    private const string GeluLine = "dst[i] = 0.5 * x * (1.0 + tanh(u));";

    private static readonly HotReloadOptions CheckEveryStep = new() { Parity = new LiveParityOptions { EveryTokens = 1, MinInterval = TimeSpan.Zero } };

    /// <summary>Polls the runner once per "frame", as the window does, until a reload attempt comes back.</summary>
    private static ReloadReport NextReload(HotReloadRunner hot) => ReloadRig.Until(hot.Update, "a reload after the save");

    /// <summary>Waits for the parity verdict on the shaders of reload <paramref name="generation"/> for the context as it is now.</summary>
    private static ParityStatus Verdict(HotReloadRunner hot, int generation) =>
        ReloadRig.Until(() => hot.ParityStatus is { State: not ParityState.Pending } s && s.ShaderGeneration == generation && s.Position == hot.Position ? s : null,
            $"a parity verdict on shader generation {generation} at position {hot.Position}");

    private static void SaveByRename(ReloadRig rig, string name, string text)
    {
        string temp = rig.Folder[name + ".tmp"];
        File.WriteAllText(temp, text);
        File.Move(temp, rig.Folder[name], overwrite: true);
    }

    [Fact]
    public void Gelu_returning_x_turns_parity_red_and_the_fix_turns_it_green_while_generation_goes_on()
    {
        using var rig = new ReloadRig();
        using var hot = new HotReloadRunner(rig.Runner, rig.Weights, rig.Log, CheckEveryStep);
        string original = File.ReadAllText(rig.Folder["gelu.comp"]);
        float[] logits = hot.Forward(ReloadRig.Tokens(8, seed: 2));
        for (int i = 0; i < 4; i++) logits = hot.Forward([Sampler.Argmax(logits)]);
        ParityStatus before = Verdict(hot, 0);

        SaveByRename(rig, "gelu.comp", original.Replace(GeluLine, "dst[i] = x;", StringComparison.Ordinal));
        ReloadReport broken = NextReload(hot);
        ParityStatus red = Verdict(hot, 1);
        int position = hot.Position;
        logits = hot.Forward([Sampler.Argmax(logits)]);
        int positionAfterStep = hot.Position;

        rig.Folder.Write("gelu.comp", original);
        ReloadReport fixedAgain = NextReload(hot);
        ParityStatus green = Verdict(hot, 2);
        // The context was computed with the broken gelu; it is run again after the fix, so the next token is right at once.
        logits = hot.Forward([Sampler.Argmax(logits)]);
        double error = ReloadRig.RelativeError(logits, rig.CpuLogits(hot.Context));

        output.WriteLine(string.Join('\n', rig.LogLines()));
        Assert.Equal(ParityState.Ok, before.State);
        Assert.True(broken.Succeeded);
        Assert.Equal(["gelu.comp"], broken.ChangedFiles);
        Assert.Equal(ParityState.Failed, red.State);
        Assert.Equal(position + 1, positionAfterStep);
        Assert.True(fixedAgain.Succeeded);
        Assert.Equal(ParityState.Ok, green.State);
        Assert.True(error <= 1e-4, $"the first token after the fix is off by {error:E2}");
        string[] parityLines = [.. rig.LogLines().Where(l => l.StartsWith("parity", StringComparison.Ordinal)).Select(l => l.Split(':')[0])];
        Assert.Equal(["parity ok", "parity FAILED", "parity ok"], parityLines);
        Assert.Equal(2, rig.LogLines().Count(l => l.StartsWith("shader reload: gelu.comp ok (", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_save_that_does_not_compile_shows_its_error_and_generation_goes_on_with_the_last_good_shaders()
    {
        using var rig = new ReloadRig();
        using var hot = new HotReloadRunner(rig.Runner, rig.Weights, rig.Log, CheckEveryStep);
        float[] logits = hot.Forward(ReloadRig.Tokens(6, seed: 3));
        rig.Folder.Edit("gelu.comp", GeluLine, "dst[i] = 0.5 * x * (1.0 + tanh(u)) +;");
        int line = rig.LineOf("gelu.comp", "+;");

        ReloadReport report = NextReload(hot);
        logits = hot.Forward([Sampler.Argmax(logits)]);
        double error = ReloadRig.RelativeError(logits, rig.CpuLogits(hot.Context));
        ParityStatus parity = Verdict(hot, 0);

        output.WriteLine(string.Join('\n', rig.LogLines()));
        Assert.False(report.Succeeded);
        Assert.Same(report, hot.LastFailure);
        Assert.Contains(report.Diagnostics, d => d.File == "gelu.comp" && d.Line == line);
        Assert.Contains(rig.LogLines(), l => l.StartsWith($"shader reload: gelu.comp FAILED gelu.comp:{line}: ", StringComparison.Ordinal));
        Assert.True(error <= 1e-4, $"the last good shaders are off by {error:E2}");
        Assert.Equal(ParityState.Ok, parity.State);
        Assert.Equal(7, parity.Position);
    }

    [Fact]
    public void A_reload_in_the_middle_of_generation_keeps_every_token_and_the_greedy_path()
    {
        using var rig = new ReloadRig();
        using var hot = new HotReloadRunner(rig.Runner, rig.Weights, rig.Log, new HotReloadOptions { CheckParity = false });
        int[] prompt = ReloadRig.Tokens(5, seed: 4);
        const int steps = 16;
        using var cpu = new CpuGptRunner(rig.Weights);
        int[] expected = [.. new Generator(cpu, new Sampler(SamplingSettings.Greedy)).Generate(prompt, steps, null).Select(t => t.Id)];

        var generated = new List<int>();
        ReloadReport? reload = null;
        foreach (GeneratedToken token in new Generator(hot, new Sampler(SamplingSettings.Greedy)).Generate(prompt, steps, null))
        {
            generated.Add(token.Id);
            if (generated.Count != steps / 2) continue;
            // Halfway: an edit that changes no result, saved the way many editors save, then frames until it is in.
            SaveByRename(rig, "attention.comp", File.ReadAllText(rig.Folder["attention.comp"]) + "// edited mid-generation\n");
            reload = NextReload(hot);
        }

        Assert.True(reload is { Succeeded: true, Generation: 1 });
        Assert.Equal(expected, generated);
        Assert.Equal(prompt.Concat(generated.SkipLast(1)), hot.Context);
        output.WriteLine(string.Join('\n', rig.LogLines()));
    }

    [Fact]
    public void The_manual_reload_key_reloads_everything_and_rechecks_parity()
    {
        using var rig = new ReloadRig();
        using var hot = new HotReloadRunner(rig.Runner, rig.Weights, rig.Log, new HotReloadOptions { Watch = false, Parity = CheckEveryStep.Parity });
        hot.Forward(ReloadRig.Tokens(6, seed: 5));
        Verdict(hot, 0);
        // Without a watcher nothing notices the save; the key does.
        rig.Folder.Edit("gelu.comp", GeluLine, "dst[i] = x;");

        Assert.Null(hot.Update());
        ReloadReport report = hot.ReloadAll();
        ParityStatus status = Verdict(hot, 1);

        Assert.True(report.Succeeded);
        Assert.Equal("all shaders", report.What);
        Assert.Equal(ParityState.Failed, status.State);
        Assert.Equal(6, status.Position);
    }
}
