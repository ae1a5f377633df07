// The window's behaviour without a window: keys, typed prompts, restarts and the status line, on the CPU reference.
using System.Text;
using Playground.App.Realtime;
using Playground.App.Window;
using Playground.Model.Generation;
using Playground.Model.Sampling;
using Playground.Model.Tokenizers;

namespace Playground.App.Tests.Realtime;

public sealed class RealtimeSessionTests
{
    private static readonly SamplingSettings Sampled = new(0.8f, 40, 1f, 3);
    private static readonly ITokenizer Bytes = new ByteTokenizer();

    [Fact]
    public void The_first_run_generates_the_generators_tokens_and_decodes_them_into_the_transcript()
    {
        var weights = Reference.SmallWeights(seed: 2);
        var (expected, stop) = Reference.Generate(weights, Bytes.Encode("Hi"), Sampled, 20);
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "Hi", Sampled, 20);

        Reference.UntilOver(session);

        Assert.Equal(expected, session.Tokens);
        Assert.Equal(stop, session.StopReason);
        Assert.Equal("cpu", session.Backend);
        Assert.Equal("Hi" + Bytes.Decode(expected.ToArray()), session.Transcript.Text.ToString());
        Assert.Equal(2, session.Transcript.PromptLength);
        Assert.Equal(StatusTone.Good, session.Status.Tone);
    }

    [Fact]
    public void R_restarts_with_the_same_tokens_and_S_with_the_next_seed()
    {
        var weights = Reference.SmallWeights(seed: 2);
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 12);
        Reference.UntilOver(session);
        var first = session.Tokens.ToList();

        Press(session, Key.R);
        Reference.UntilOver(session);
        Assert.Equal(2, session.Runs);
        Assert.Equal(first, session.Tokens);

        Press(session, Key.S);
        Reference.UntilOver(session);
        Assert.Equal(Sampled.Seed + 1, session.Sampling.Seed);
        Assert.Equal(Reference.Generate(weights, Bytes.Encode("ab"), Sampled with { Seed = Sampled.Seed + 1 }, 12).Tokens, session.Tokens);
    }

    [Fact]
    public void A_typed_prompt_replaces_the_generation()
    {
        var weights = Reference.SmallWeights(seed: 2);
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 12);

        Press(session, Key.Enter);
        Assert.True(session.IsEditing);
        Assert.Equal("ab", session.Editor.Text);
        Press(session, Key.Backspace);
        Press(session, Key.Backspace);
        // While typing, letters are text, not commands: R does not restart and Space does not pause.
        Press(session, Key.R);
        Press(session, Key.Space);
        foreach (var rune in "Né ok".EnumerateRunes())
        {
            session.HandleText(rune);
        }

        Press(session, Key.Enter);
        Assert.False(session.IsEditing);
        Assert.False(session.IsPaused);
        Reference.UntilOver(session);

        Assert.Equal("Né ok", session.Prompt);
        Assert.Equal(Bytes.Encode("Né ok"), session.PromptTokens);
        Assert.Equal(Reference.Generate(weights, Bytes.Encode("Né ok"), Sampled, 12).Tokens, session.Tokens);
        Assert.StartsWith("Né ok", session.Transcript.Text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_prompt_too_long_for_the_context_is_refused_with_a_notice_and_editing_goes_on()
    {
        var weights = Reference.SmallWeights(seed: 2);
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 5);

        Press(session, Key.Enter);
        foreach (var rune in new string('x', Reference.SmallConfig.NPositions + 1).EnumerateRunes())
        {
            session.HandleText(rune);
        }

        Press(session, Key.Enter);

        Assert.True(session.IsEditing);
        Assert.Equal(1, session.Runs);
        Assert.Contains("would pass n_positions=64", session.Status.Text, StringComparison.Ordinal);
        Press(session, Key.Escape);
        Assert.False(session.IsEditing);
        Assert.False(session.QuitRequested);
    }

    [Fact]
    public void Sampling_keys_step_the_settings_and_Escape_quits()
    {
        var weights = Reference.SmallWeights();
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", new SamplingSettings(0.8f, 40, 0.9f, 0), 5);

        Press(session, Key.Up);
        Press(session, Key.Right);
        Press(session, Key.PageUp);
        Assert.Equal(new SamplingSettings(0.9f, 100, 0.95f, 0), session.Sampling);

        Press(session, Key.Down);
        Press(session, Key.Down);
        Press(session, Key.Left);
        Press(session, Key.PageDown);
        Assert.Equal(new SamplingSettings(0.7f, 40, 0.9f, 0), session.Sampling);

        Press(session, Key.O);
        Assert.False(session.OverlayVisible);
        Press(session, Key.Escape);
        Assert.True(session.QuitRequested);
    }

    [Fact]
    public void Space_pauses_and_resumes()
    {
        var weights = Reference.SmallWeights();
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 5);

        Press(session, Key.Space);
        Assert.True(session.IsPaused);
        Press(session, Key.Space);
        Assert.False(session.IsPaused);
        Reference.UntilOver(session);
        Assert.Equal(5, session.Tokens.Count);
    }

    [Fact]
    public void Shader_reload_on_the_cpu_says_it_is_not_available()
    {
        var weights = Reference.SmallWeights();
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 3);
        Reference.UntilOver(session);

        Press(session, Key.F5);

        Assert.Equal("shader reload: not available with the cpu backend", session.Status.Text);
    }

    [Fact]
    public void The_end_of_the_context_stops_generation_with_a_visible_message()
    {
        var weights = Reference.SmallWeights(seed: 7);
        using var thread = Reference.CpuThread(weights);
        var prompt = new string('a', Reference.SmallConfig.NPositions - 3);
        var session = NewSession(thread, weights, prompt, Sampled, int.MaxValue);

        Reference.UntilOver(session);

        Assert.Equal(StopReason.ContextFull, session.StopReason);
        Assert.Equal(Reference.SmallConfig.NPositions, session.Position);
        Assert.Equal(StatusTone.Bad, session.Status.Tone);
        Assert.StartsWith("context full (64 of 64 positions)", session.Status.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void News_of_a_replaced_run_is_ignored()
    {
        var weights = Reference.SmallWeights(seed: 2);
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "first prompt", Sampled, 40);

        // Restart before taking any news: whatever the first run posted must not reach the second's transcript.
        Press(session, Key.Enter);
        session.Editor.Set("xy");
        Press(session, Key.Enter);
        Reference.UntilOver(session);

        Assert.Equal(Reference.Generate(weights, Bytes.Encode("xy"), Sampled, 40).Tokens, session.Tokens);
        Assert.StartsWith("xy", session.Transcript.Text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scrolling_back_pins_the_view_and_scrolling_to_the_end_follows_again()
    {
        var weights = Reference.SmallWeights();
        using var thread = Reference.CpuThread(weights);
        var session = NewSession(thread, weights, "ab", Sampled, 3);
        Assert.Null(session.PinnedFirstLine);

        // 50 lines, 10 visible: following shows lines 40..49.
        session.Scroll(3, lineCount: 50, visibleLines: 10);
        Assert.Equal(37, session.PinnedFirstLine);
        session.Scroll(100, lineCount: 50, visibleLines: 10);
        Assert.Equal(0, session.PinnedFirstLine);
        session.Scroll(-39, lineCount: 50, visibleLines: 10);
        Assert.Equal(39, session.PinnedFirstLine);
        session.Scroll(-1, lineCount: 50, visibleLines: 10);
        Assert.Null(session.PinnedFirstLine);

        session.Scroll(5, lineCount: 50, visibleLines: 10);
        Press(session, Key.End);
        Assert.Null(session.PinnedFirstLine);
    }

    private static RealtimeSession NewSession(
        Playground.App.Realtime.ModelThread thread, Playground.Model.GptWeights weights, string prompt, SamplingSettings sampling, int maxNewTokens) =>
        new(thread, new SessionModel("test", weights.Config, Bytes), prompt, sampling, maxNewTokens, () => Environment.TickCount64 / 1000.0);

    private static void Press(RealtimeSession session, Key key, KeyModifiers modifiers = KeyModifiers.None) =>
        session.HandleKey(new KeyEvent(key, modifiers, IsRepeat: false));
}
