// Word wrap rules on hand-worked cases, and properties checked over seeded random texts.
using Playground.App.Text;

namespace Playground.App.Tests.Text;

public sealed class WordWrapTests
{
    public static TheoryData<WrapCase> Cases => new()
    {
        new("empty text is one empty line", "", 10, [""]),
        new("short text is one line", "hello", 10, ["hello"]),
        new("text of exactly the width fits", "hello world", 11, ["hello world"]),
        new("space at a full line's end hangs", "hello world", 5, ["hello", "world"]),
        new("word that does not fit starts the next line", "hello world", 8, ["hello ", "world"]),
        new("long word is cut every width characters", "abcdefghij", 4, ["abcd", "efgh", "ij"]),
        new("long word starts on a fresh line", "ab abcdefghij", 4, ["ab ", "abcd", "efgh", "ij"]),
        new("word of exactly the width after a cut", "abcdefgh x", 4, ["abcd", "efgh", "x"]),
        new("newline ends a line", "ab\ncd", 10, ["ab", "cd"]),
        new("multiple newlines give empty lines", "a\n\n\nb", 10, ["a", "", "", "b"]),
        new("trailing newline gives an empty last line", "a\n", 10, ["a", ""]),
        new("only newlines", "\n\n", 3, ["", "", ""]),
        new("trailing spaces that fit stay", "ab   ", 10, ["ab   "]),
        new("trailing spaces past a full line are dropped", "abcd   ", 4, ["abcd"]),
        new("newline after hanging spaces ends the same line", "abcd  \nx", 4, ["abcd", "x"]),
        new("full line then newline", "abcd\nx", 4, ["abcd", "x"]),
        new("leading spaces after a newline are kept", "a\n  b", 10, ["a", "  b"]),
        new("many spaces between words", "ab      cd", 4, ["ab  ", "cd"]),
        new("tab is one column of whitespace", "a\tb c", 3, ["a\tb", "c"]),
        new("width one", "ab c", 1, ["a", "b", "c"]),
        new("surrogate pair is one column and never split", "😀😀😀 x", 2, ["😀😀", "😀 ", "x"]),
        new("accented letters are one column each", "café olé", 4, ["café", "olé"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Wraps(WrapCase testCase)
    {
        Assert.Equal(testCase.Expected, WrapToStrings(testCase.Text, testCase.Columns));
    }

    [Fact]
    public void Random_text_lines_never_exceed_the_width_and_keep_every_visible_character()
    {
        var random = new Random(1234);
        for (var trial = 0; trial < 300; trial++)
        {
            var text = RandomText(random, random.Next(0, 400));
            var columns = random.Next(1, 30);

            var lines = WrapToStrings(text, columns);

            Assert.All(lines, line => Assert.InRange(WordWrap.CountColumns(line), 0, columns));
            // Only whitespace and newlines may be dropped, and nothing reordered.
            Assert.Equal(Visible(text), Visible(string.Concat(lines)));
        }
    }

    [Fact]
    public void Words_that_fit_a_line_are_never_cut()
    {
        var random = new Random(99);
        for (var trial = 0; trial < 300; trial++)
        {
            var columns = random.Next(8, 30);
            var words = Enumerable.Range(0, random.Next(1, 40))
                .Select(_ => new string('x', random.Next(1, columns + 1)))
                .ToArray();

            var lines = WrapToStrings(string.Join(' ', words), columns);

            Assert.Equal(words, lines.SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
    }

    [Fact]
    public void Wrapping_from_a_line_start_continues_exactly_like_a_full_wrap()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var text = RandomText(random, random.Next(1, 300));
            var columns = random.Next(1, 25);
            var full = new List<WrappedLine>();
            WordWrap.Wrap(text, columns, full);
            var from = random.Next(full.Count);

            var resumed = full.Take(from).ToList();
            WordWrap.Wrap(text, columns, resumed, full[from].Start);

            Assert.Equal(full, resumed);
        }
    }

    [Fact]
    public void Style_runs_split_lines_into_segments_with_columns()
    {
        // "Hello world," fills the line exactly (the space after it hangs), then "said the"; the prompt "Hello " is
        // style 0 and the rest style 1.
        const string text = "Hello world, said the";
        StyleRun[] runs = [new(0, 0), new(6, 1)];
        var lines = new List<WrappedLine>();
        WordWrap.Wrap(text, 12, lines);
        var segments = new List<LineSegment>();

        WordWrap.Segment(text, lines.ToArray(), 0, runs, segments);

        LineSegment[] expected =
        [
            new(Line: 0, Column: 0, Start: 0, Length: 6, Style: 0),
            new(Line: 0, Column: 6, Start: 6, Length: 6, Style: 1),
            new(Line: 1, Column: 0, Start: 13, Length: 8, Style: 1),
        ];
        Assert.Equal(["Hello world,", "said the"], lines.Select(line => text.Substring(line.Start, line.Length)));
        Assert.Equal(expected, segments);
    }

    [Fact]
    public void Segment_columns_count_a_surrogate_pair_once_and_text_before_the_first_run_is_style_0()
    {
        const string text = "a😀b c";
        StyleRun[] runs = [new(3, 2), new(4, 5)];
        var lines = new List<WrappedLine>();
        WordWrap.Wrap(text, 10, lines);
        var segments = new List<LineSegment>();

        WordWrap.Segment(text, lines.ToArray(), 0, runs, segments);

        LineSegment[] expected =
        [
            new(Line: 0, Column: 0, Start: 0, Length: 3, Style: 0), // "a😀"
            new(Line: 0, Column: 2, Start: 3, Length: 1, Style: 2), // "b"
            new(Line: 0, Column: 3, Start: 4, Length: 2, Style: 5), // " c"
        ];
        Assert.Equal(expected, segments);
    }

    [Fact]
    public void Empty_lines_have_no_segments()
    {
        const string text = "a\n\nb";
        var lines = new List<WrappedLine>();
        WordWrap.Wrap(text, 10, lines);
        var segments = new List<LineSegment>();

        WordWrap.Segment(text, lines.ToArray(), 0, [new StyleRun(0, 3)], segments);

        Assert.Equal([0, 2], segments.Select(segment => segment.Line));
    }

    internal static string RandomText(Random random, int length)
    {
        // Words of varied length (some longer than any line), runs of spaces, newlines, tabs, accents, emoji.
        string[] pieces = ["a", "bb", "ccc", "word", "lighthouse", "é", "😀", " ", " ", " ", "  ", "\n", "\t", "x"];
        var text = new System.Text.StringBuilder();
        while (text.Length < length)
        {
            var piece = pieces[random.Next(pieces.Length)];
            text.Append(random.Next(20) == 0 ? string.Concat(Enumerable.Repeat(piece, 15)) : piece);
        }

        return text.ToString();
    }

    private static List<string> WrapToStrings(string text, int columns)
    {
        var lines = new List<WrappedLine>();
        WordWrap.Wrap(text, columns, lines);
        return lines.Select(line => text.Substring(line.Start, line.Length)).ToList();
    }

    private static string Visible(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    /// <summary>A wrap example: its name is what the test runner shows.</summary>
    public sealed record WrapCase(string Name, string Text, int Columns, string[] Expected)
    {
        public override string ToString() => $"{Name} (width {Columns})";
    }
}
