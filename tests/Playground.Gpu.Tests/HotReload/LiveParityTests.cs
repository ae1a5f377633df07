// The background parity checker, fed logits from a separate CPU runner so that its verdicts are known in advance.
using Playground.Gpu.HotReload;
using Playground.Model;
using Playground.Model.Reference;

namespace Playground.Gpu.Tests.HotReload;

public sealed class LiveParityTests
{
    private static readonly GptWeights Weights = RandomWeights.Create(ReloadRig.Config, seed: 8);
    private static readonly LiveParityOptions EveryStep = new() { EveryTokens = 1, MinInterval = TimeSpan.Zero };

    /// <summary>Logits of the last token of <paramref name="context"/> from a runner independent of the checker's own.</summary>
    private static float[] Reference(int[] context)
    {
        using var cpu = new CpuGptRunner(Weights);
        return cpu.Forward(context);
    }

    private static ParityStatus Checked(LiveParity parity, int[] context, float[] logits)
    {
        Assert.True(parity.OnStep(context, logits));
        Assert.True(parity.WaitIdle(ReloadRig.Patience), "the check did not finish");
        return parity.Status;
    }

    [Fact]
    public void Matching_logits_pass_a_perturbed_logit_fails_and_the_state_changes_are_logged()
    {
        var log = new StringWriter();
        using var parity = new LiveParity(Weights, log, EveryStep);
        int[] tokens = ReloadRig.Tokens(12, seed: 3);

        ParityStatus ok = Checked(parity, tokens[..10], Reference(tokens[..10]));
        float[] perturbed = Reference(tokens[..11]);
        double maxLogit = perturbed.Max(MathF.Abs);
        perturbed[5] += (float)(1e-2 * maxLogit);
        ParityStatus failed = Checked(parity, tokens[..11], perturbed);
        ParityStatus okAgain = Checked(parity, tokens, Reference(tokens));

        Assert.Equal(ParityState.Ok, ok.State);
        Assert.Equal(10, ok.Position);
        Assert.True(ok.MaxAbs <= ok.Bound);
        Assert.Equal(ParityState.Failed, failed.State);
        Assert.Equal(1e-2 * maxLogit, failed.MaxAbs, 1e-3 * maxLogit);
        Assert.Equal(ParityState.Ok, okAgain.State);
        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["parity ok:", "parity FAILED:", "parity ok:"], lines.Select(l => l[..(l.IndexOf(':', StringComparison.Ordinal) + 1)]));
        Assert.Equal(failed.ToString(), lines[1]);
    }

    [Fact]
    public void A_non_finite_logit_fails_and_says_so()
    {
        using var parity = new LiveParity(Weights, null, EveryStep);
        int[] tokens = ReloadRig.Tokens(5, seed: 4);
        float[] logits = Reference(tokens);
        logits[^1] = float.NaN;

        ParityStatus status = Checked(parity, tokens, logits);

        Assert.Equal(ParityState.Failed, status.State);
        Assert.Equal("1 logits are not finite", status.Detail);
    }

    [Fact]
    public void A_context_that_diverges_or_shrinks_is_checked_from_its_start()
    {
        using var parity = new LiveParity(Weights, null, EveryStep);
        int[] first = ReloadRig.Tokens(10, seed: 5), other = ReloadRig.Tokens(7, seed: 6);
        int[] shrunk = first[..4];

        ParityStatus[] statuses =
        [
            Checked(parity, first, Reference(first)),
            Checked(parity, other, Reference(other)),
            Checked(parity, shrunk, Reference(shrunk)),
            // The same context twice: the second check must still compare the last token's logits.
            Checked(parity, shrunk, Reference(shrunk)),
        ];

        Assert.All(statuses, s => Assert.Equal(ParityState.Ok, s.State));
        Assert.Equal([10, 7, 4, 4], statuses.Select(s => s.Position));
        Assert.Equal(4, parity.ChecksCompleted);
    }

    [Fact]
    public void Steps_are_checked_every_n_tokens_and_at_once_after_the_shaders_change()
    {
        using var parity = new LiveParity(Weights, null, new LiveParityOptions { EveryTokens = 4, MinInterval = TimeSpan.Zero });
        int[] tokens = ReloadRig.Tokens(14, seed: 7);
        using var cpu = new CpuGptRunner(Weights);
        var handedOver = new List<int>();

        for (int t = 1; t <= 10; t++)
        {
            float[] logits = cpu.Forward(tokens.AsSpan(t - 1, 1));
            if (parity.OnStep(tokens.AsSpan(0, t), logits)) handedOver.Add(t);
        }
        Assert.True(parity.WaitIdle(ReloadRig.Patience));
        Assert.Equal(ParityState.Ok, parity.Status.State);
        parity.ShadersChanged(generation: 1);
        ParityState rightAfterTheChange = parity.Status.State;
        for (int t = 11; t <= 12; t++)
        {
            float[] logits = cpu.Forward(tokens.AsSpan(t - 1, 1));
            if (parity.OnStep(tokens.AsSpan(0, t), logits)) handedOver.Add(t);
        }
        Assert.True(parity.WaitIdle(ReloadRig.Patience));

        // The first step is checked at once, then every 4th; a shader change makes the next step due.
        Assert.Equal([1, 5, 9, 11], handedOver);
        Assert.Equal(ParityState.Pending, rightAfterTheChange);
        Assert.Equal(ParityState.Ok, parity.Status.State);
        Assert.Equal(1, parity.Status.ShaderGeneration);
    }
}
