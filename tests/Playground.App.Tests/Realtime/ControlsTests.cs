// Key table, sampling ladders, prompt editor and prefill chunk sizes: the small rules behind the window's controls.
using System.Text;
using Playground.App.Realtime;
using Playground.App.Window;
using Playground.Model.Sampling;

namespace Playground.App.Tests.Realtime;

public sealed class ControlsTests
{
    [Fact]
    public void Every_action_has_a_key_and_the_help_names_every_key_once()
    {
        foreach (var action in Enum.GetValues<WindowAction>())
        {
            Assert.Contains(KeyBindings.All, binding => binding.Action == action);
        }

        var keys = KeyBindings.All.Select(binding => (binding.Key, binding.Modifiers)).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(KeyBindings.Help.Count, KeyBindings.Help.Select(entry => entry.Key).Distinct().Count());
        foreach (var binding in KeyBindings.All)
        {
            Assert.Contains((binding.KeyLabel, binding.Help), KeyBindings.Help);
        }
    }

    [Theory]
    [InlineData(Key.R, KeyModifiers.None, WindowAction.Restart)]
    [InlineData(Key.R, KeyModifiers.Shift, WindowAction.Restart)]
    [InlineData(Key.R, KeyModifiers.Control, WindowAction.ReloadShaders)]
    [InlineData(Key.F5, KeyModifiers.None, WindowAction.ReloadShaders)]
    [InlineData(Key.Space, KeyModifiers.None, WindowAction.PauseResume)]
    [InlineData(Key.Escape, KeyModifiers.None, WindowAction.Quit)]
    [InlineData(Key.Enter, KeyModifiers.None, WindowAction.EditPrompt)]
    public void Keys_map_to_actions(Key key, KeyModifiers modifiers, WindowAction action) =>
        Assert.Equal(action, KeyBindings.ActionFor(key, modifiers));

    [Theory]
    [InlineData(Key.Q, KeyModifiers.None)]
    [InlineData(Key.Space, KeyModifiers.Alt)]
    [InlineData(Key.Unknown, KeyModifiers.None)]
    public void Other_keys_do_nothing(Key key, KeyModifiers modifiers) => Assert.Null(KeyBindings.ActionFor(key, modifiers));

    [Theory]
    [InlineData(0.8f, +1, 0.9f)]
    [InlineData(0.8f, -1, 0.7f)]
    [InlineData(0.1f, -1, 0f)]
    [InlineData(0f, -1, 0f)]
    [InlineData(2f, +1, 2f)]
    [InlineData(0.75f, +1, 0.9f)] // 0.75 rounds to 0.8 first: steps stay on tenths
    public void Temperature_moves_in_tenths_between_0_and_2(float from, int direction, float expected) =>
        Assert.Equal(expected, SamplingControls.StepTemperature(new SamplingSettings(from), direction).Temperature);

    [Theory]
    [InlineData(40, +1, 100)]
    [InlineData(40, -1, 20)]
    [InlineData(1, -1, 1)]
    [InlineData(500, +1, 0)]
    [InlineData(0, +1, 0)]
    [InlineData(0, -1, 500)]
    [InlineData(30, +1, 40)]
    [InlineData(30, -1, 20)]
    public void Top_k_moves_along_its_ladder_with_off_as_the_loosest(int from, int direction, int expected) =>
        Assert.Equal(expected, SamplingControls.StepTopK(new SamplingSettings(1f, from), direction).TopK);

    [Theory]
    [InlineData(1f, -1, 0.98f)]
    [InlineData(1f, +1, 1f)]
    [InlineData(0.9f, +1, 0.95f)]
    [InlineData(0.5f, -1, 0.5f)]
    [InlineData(0.85f, -1, 0.8f)]
    public void Top_p_moves_along_its_ladder_with_off_as_the_loosest(float from, int direction, float expected) =>
        Assert.Equal(expected, SamplingControls.StepTopP(new SamplingSettings(1f, 0, from), direction).TopP);

    [Fact]
    public void Sampling_steps_keep_the_other_settings_and_stay_valid()
    {
        var settings = new SamplingSettings(0.3f, 5, 0.7f, 99);
        for (var i = 0; i < 40; i++)
        {
            settings = SamplingControls.StepTemperature(settings, i % 7 < 4 ? +1 : -1);
            settings = SamplingControls.StepTopK(settings, i % 5 < 3 ? +1 : -1);
            settings = SamplingControls.StepTopP(settings, i % 3 < 2 ? -1 : +1);
            settings.Validate();
            Assert.Equal(99, settings.Seed);
        }
    }

    [Theory]
    [InlineData(0f, 0, 1f, 4, "greedy (T 0) · seed 4")]
    [InlineData(0.8f, 40, 1f, 0, "T 0.8 · top-k 40 · top-p off · seed 0")]
    [InlineData(1.25f, 0, 0.95f, 7, "T 1.25 · top-k off · top-p 0.95 · seed 7")]
    public void Sampling_is_described_in_one_line(float temperature, int topK, float topP, int seed, string expected) =>
        Assert.Equal(expected, SamplingControls.Describe(new SamplingSettings(temperature, topK, topP, seed)));

    [Fact]
    public void The_prompt_editor_types_and_deletes_whole_characters()
    {
        var editor = new PromptEditor();
        foreach (var rune in "a€😀".EnumerateRunes())
        {
            editor.Type(rune);
        }

        editor.Type(new Rune('\u0007')); // a control character is not text
        Assert.Equal("a€😀", editor.Text);
        editor.Backspace();
        Assert.Equal("a€", editor.Text);
        editor.Backspace();
        editor.Backspace();
        editor.Backspace();
        Assert.Equal(string.Empty, editor.Text);

        editor.Set(new string('x', PromptEditor.MaxLength + 10));
        Assert.Equal(PromptEditor.MaxLength, editor.Length);
        editor.Type(new Rune('y'));
        Assert.Equal(PromptEditor.MaxLength, editor.Length);
    }

    [Fact]
    public void Prefill_chunks_start_at_the_first_size_then_aim_at_the_target_time()
    {
        var chunks = new PrefillChunks();
        Assert.Equal(PrefillChunks.FirstChunk, chunks.Next);

        chunks.Record(64, 64 * 10.0); // 10 ms per token
        Assert.Equal((int)(PrefillChunks.TargetMilliseconds / 10), chunks.Next);

        var fast = new PrefillChunks();
        fast.Record(64, 0.64);
        Assert.Equal(PrefillChunks.MaxChunk, fast.Next);

        var slow = new PrefillChunks();
        slow.Record(8, 8 * 500.0);
        Assert.Equal(PrefillChunks.MinChunk, slow.Next);
    }
}
