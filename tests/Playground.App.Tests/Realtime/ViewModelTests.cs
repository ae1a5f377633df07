// What the window draws, as data: the transcript's streamed UTF-8 and styles, the figures, and the screen layout.
using Playground.App.Realtime;
using Playground.App.Text;
using Playground.Gpu.Gl;
using Playground.Model.Tokenizers;

namespace Playground.App.Tests.Realtime;

public sealed class ViewModelTests
{
    [Fact]
    public void The_transcript_shows_a_character_split_over_tokens_once_whole()
    {
        var transcript = new Transcript(new ByteTokenizer());
        transcript.Reset("Caf");

        transcript.Append(0xC3); // the first byte of "é" alone is not a character yet
        Assert.Equal("Caf", transcript.Text.ToString());
        transcript.Append(0xA9);
        Assert.Equal("Café", transcript.Text.ToString());
        Assert.Equal("é", transcript.Generated);
        Assert.Equal(3, transcript.PromptLength);
    }

    [Fact]
    public void Invalid_bytes_become_replacement_characters_never_garbage()
    {
        var transcript = new Transcript(new ByteTokenizer());
        transcript.Reset(string.Empty);

        transcript.Append(0xFF);
        transcript.Append('a');
        transcript.Append(0xE2); // a three-byte character cut short by the end of the generation
        transcript.Append(0x82);
        transcript.Finish();

        Assert.Equal("\uFFFDa\uFFFD", transcript.Generated);
    }

    [Fact]
    public void The_prompt_and_the_generated_text_have_their_own_styles_and_rewrap_at_new_widths()
    {
        var transcript = new Transcript(new ByteTokenizer());
        transcript.Reset("one two three");
        foreach (var b in " four five six seven"u8)
        {
            transcript.Append(b);
        }

        Assert.Equal([new StyleRun(0, Transcript.PromptStyle), new StyleRun(13, Transcript.GeneratedStyle)], transcript.Runs.ToArray());
        var wide = transcript.LayoutFor(80);
        Assert.Equal(1, wide.LineCount);
        Assert.Equal([Transcript.PromptStyle, Transcript.GeneratedStyle], wide.SegmentsOf(0).ToArray().Select(s => s.Style));

        var narrow = transcript.LayoutFor(10);
        var expected = new TextLayout();
        expected.Layout(transcript.Text, transcript.Runs, 10);
        Assert.Equal(expected.Lines, narrow.Lines);
        Assert.True(narrow.LineCount > 1);

        // Appending after a layout extends it to what a fresh layout gives.
        foreach (var b in " eight nine"u8)
        {
            transcript.Append(b);
        }

        var extended = transcript.LayoutFor(10);
        expected.Layout(transcript.Text, transcript.Runs, 10);
        Assert.Equal(expected.Lines, extended.Lines);
        Assert.Equal(expected.Segments, extended.Segments);
    }

    [Fact]
    public void Frame_rate_counts_frames_over_the_last_second()
    {
        var rate = new FrameRate();
        for (var frame = 0; frame <= 300; frame++)
        {
            rate.Frame(frame / 60.0);
        }

        Assert.Equal(60, rate.PerSecond, precision: 6);

        // Frames slow to 20 per second: after a second of them the figure is theirs alone.
        for (var frame = 1; frame <= 40; frame++)
        {
            rate.Frame(5 + (frame / 20.0));
        }

        Assert.Equal(20, rate.PerSecond, precision: 6);
    }

    [Fact]
    public void Token_times_keep_the_newest_steps_in_order()
    {
        var times = new TokenTimes(capacity: 4);
        Assert.Equal(0, times.TokensPerSecond());
        foreach (var ms in new[] { 1.0, 2, 3, 4, 5, 6 })
        {
            times.Add(ms);
        }

        Assert.Equal([3.0, 4, 5, 6], times.Milliseconds);
        Assert.Equal(4, times.Count);
        Assert.Equal(2 * 1000.0 / (5 + 6), times.TokensPerSecond(steps: 2), precision: 9);
        Assert.Equal(6 * 1000.0 / 21, times.OverallTokensPerSecond, precision: 9);
    }

    [Fact]
    public void Pass_bars_show_a_prefill_per_token_until_decode_steps_replace_it()
    {
        var bars = new PassBars();
        bars.Add(Timings(10, (PassKind.Qkv, 20.0), (PassKind.Mlp, 40.0)));
        Assert.Equal(2.0, bars.MillisecondsPerToken[PassKind.Qkv]);
        Assert.Equal(4.0, bars.MillisecondsPerToken[PassKind.Mlp]);
        Assert.Equal(0.0, bars.MillisecondsPerToken[PassKind.Embed]);

        bars.Add(Timings(1, (PassKind.Qkv, 1.0), (PassKind.Mlp, 3.0)));
        Assert.Equal(1.0, bars.MillisecondsPerToken[PassKind.Qkv]);
        Assert.Equal(4.0, bars.Total);

        // Later decode steps are smoothed in; later prefills are ignored.
        bars.Add(Timings(1, (PassKind.Qkv, 2.0), (PassKind.Mlp, 3.0)));
        Assert.InRange(bars.MillisecondsPerToken[PassKind.Qkv], 1.0 + 1e-9, 2.0 - 1e-9);
        var beforePrefill = bars.MillisecondsPerToken[PassKind.Qkv];
        bars.Add(Timings(50, (PassKind.Qkv, 500.0)));
        Assert.Equal(beforePrefill, bars.MillisecondsPerToken[PassKind.Qkv]);
    }

    [Theory]
    [InlineData(1280, 720, true)]
    [InlineData(1280, 720, false)]
    [InlineData(640, 480, true)]
    [InlineData(300, 200, true)]
    [InlineData(1, 1, true)]
    public void Screen_regions_never_overlap_and_stay_inside_the_window(int width, int height, bool overlay)
    {
        var layout = ScreenLayout.For(width, height, advance: 10, lineHeight: 19, overlay, footerLines: 2);

        Assert.True(layout.Columns >= 1 && layout.Lines >= 1);
        Assert.True(layout.Header.Bottom <= layout.Footer.Y || height < 100);
        if (width >= 640 && height >= 400)
        {
            Assert.True(layout.TextArea.Y >= layout.Header.Bottom);
            Assert.True(layout.TextArea.Bottom <= layout.Footer.Y);
            Assert.True(layout.TextArea.X >= 0 && layout.TextArea.Right <= width);
            Assert.Equal(layout.TextArea.Width / 10, layout.Columns);
            if (layout.HasPanel)
            {
                Assert.True(layout.TextArea.Right < layout.Panel.X);
                Assert.True(layout.Panel.Right <= width && layout.Panel.Bottom <= layout.Footer.Y);
            }
        }
    }

    [Fact]
    public void Hiding_the_overlay_or_widening_the_window_gives_the_text_more_columns()
    {
        var withPanel = ScreenLayout.For(1280, 720, 10, 19, overlay: true, footerLines: 2);
        var withoutPanel = ScreenLayout.For(1280, 720, 10, 19, overlay: false, footerLines: 2);
        var narrow = ScreenLayout.For(900, 720, 10, 19, overlay: true, footerLines: 2);
        var tooNarrow = ScreenLayout.For(500, 720, 10, 19, overlay: true, footerLines: 2);

        Assert.True(withPanel.HasPanel);
        Assert.False(withoutPanel.HasPanel);
        Assert.True(withoutPanel.Columns > withPanel.Columns);
        Assert.True(withPanel.Columns > narrow.Columns);
        // Rather than squeeze the text to nothing, the panel gives way.
        Assert.False(tooNarrow.HasPanel);
    }

    [Theory]
    [InlineData(0.3, 0.5)]
    [InlineData(1, 1)]
    [InlineData(1.01, 2)]
    [InlineData(2.2, 2.5)]
    [InlineData(33, 50)]
    [InlineData(600, 1000)]
    [InlineData(0, 1)]
    public void Graph_scales_round_up_to_1_2_2point5_or_5_times_a_power_of_ten(double value, double expected) =>
        Assert.Equal(expected, OverlayRenderer.NiceCeiling(value), precision: 12);

    [Theory]
    [InlineData(0.346, "0.35")]
    [InlineData(92.21, "92.2")]
    [InlineData(241.6, "242")]
    public void Milliseconds_keep_about_three_digits(double value, string expected) =>
        Assert.Equal(expected, OverlayRenderer.FormatMs(value));

    [Theory]
    [InlineData(124_439_808L, "124.4 M")]
    [InlineData(857_856L, "0.9 M")]
    [InlineData(1_557_611_200L, "1.56 B")]
    public void Parameter_counts_read_as_people_say_them(long count, string expected) =>
        Assert.Equal(expected, OverlayRenderer.FormatParameters(count));

    private static PassTimings Timings(int tokens, params (PassKind Kind, double Ms)[] passes) =>
        new(passes.ToDictionary(p => p.Kind, p => p.Ms), tokens);
}
