// TextLayout: incremental extension after appended text must equal laying everything out again.
using Playground.App.Text;

namespace Playground.App.Tests.Text;

public sealed class TextLayoutTests
{
    [Fact]
    public void Extending_after_appends_equals_a_full_layout()
    {
        var random = new Random(2024);
        for (var trial = 0; trial < 100; trial++)
        {
            var text = WordWrapTests.RandomText(random, random.Next(1, 500));
            var columns = random.Next(1, 40);
            var promptLength = random.Next(text.Length + 1);
            StyleRun[] runs = [new(0, 0), new(promptLength, 1)];
            var incremental = new TextLayout();
            incremental.Layout(text.AsSpan(0, promptLength), runs, columns);

            // Append in token-sized pieces, as generation does.
            for (var shown = promptLength; shown < text.Length;)
            {
                shown = Math.Min(text.Length, shown + random.Next(1, 8));
                incremental.Extend(text.AsSpan(0, shown), runs);
            }

            var full = new TextLayout();
            full.Layout(text, runs, columns);
            Assert.Equal(full.Lines, incremental.Lines);
            Assert.Equal(full.Segments, incremental.Segments);
            Assert.Equal(text.Length, incremental.TextLength);
        }
    }

    [Fact]
    public void Segments_of_a_line_are_that_line_left_to_right()
    {
        const string text = "prompt text\ngenerated words here";
        var layout = new TextLayout();
        layout.Layout(text, [new StyleRun(0, 0), new StyleRun(7, 1)], 11);

        for (var line = 0; line < layout.LineCount; line++)
        {
            var segments = layout.SegmentsOf(line).ToArray();
            Assert.All(segments, segment => Assert.Equal(line, segment.Line));
            var joined = string.Concat(segments.Select(segment => text.Substring(segment.Start, segment.Length)));
            Assert.Equal(text.Substring(layout.Lines[line].Start, layout.Lines[line].Length), joined);
        }

        Assert.Equal(["prompt ", "text"], layout.SegmentsOf(0).ToArray().Select(s => text.Substring(s.Start, s.Length)));
        Assert.Equal([0, 1], layout.SegmentsOf(0).ToArray().Select(s => s.Style));
    }

    [Fact]
    public void Extend_before_Layout_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => new TextLayout().Extend("abc", []));
    }

    [Fact]
    public void Extend_with_shorter_text_is_an_error()
    {
        var layout = new TextLayout();
        layout.Layout("abcdef", [], 4);

        Assert.Throws<ArgumentOutOfRangeException>(() => layout.Extend("abc", []));
    }
}
