// Greedy word wrap of monospace text into lines of at most N columns, and the split of lines into styled segments.

namespace Playground.App.Text;

/// <summary>One laid-out line: the characters text[Start .. Start + Length), never more than the column limit.</summary>
public readonly record struct WrappedLine(int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>From <paramref name="Start"/> on (until the next run) the text is drawn in style <paramref name="Style"/>.</summary>
public readonly record struct StyleRun(int Start, int Style);

/// <summary>
/// A piece of line <paramref name="Line"/> in one style: text[Start .. Start + Length), whose first character sits
/// in column <paramref name="Column"/> of that line.
/// </summary>
public readonly record struct LineSegment(int Line, int Column, int Start, int Length, int Style);

/// <summary>
/// Word wrap for a monospace grid. A column holds one Unicode scalar value (a surrogate pair is one column and is
/// never split). Rules: '\n' ends a line; a word (run of non-whitespace) that does not fit on the current line
/// starts the next one; a word longer than a whole line starts on its own line and is cut every
/// <c>columns</c> characters; whitespace that reaches a full line's end is dropped (it "hangs"), and a '\n' right
/// after it ends that same line, so whitespace never opens an extra line. Space, tab and CR are whitespace of one
/// column each.
/// <para>
/// Each line depends only on the text from its start onwards, and lines that end before the end of the text do
/// not change when text is appended. So after appending, re-wrapping from the start of the previous last line
/// gives the same result as wrapping everything again (<see cref="TextLayout.Extend"/> relies on this).
/// </para>
/// </summary>
public static class WordWrap
{
    /// <summary>
    /// Appends to <paramref name="lines"/> the lines of <paramref name="text"/> from offset
    /// <paramref name="start"/>, which must be 0 or the start of a line from wrapping this text or a prefix of it.
    /// Text that is empty from <paramref name="start"/> still yields one empty line.
    /// </summary>
    public static void Wrap(ReadOnlySpan<char> text, int columns, List<WrappedLine> lines, int start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, text.Length);

        var lineStart = start;
        var column = 0;
        var i = start;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                lines.Add(new WrappedLine(lineStart, i - lineStart));
                lineStart = ++i;
                column = 0;
            }
            else if (IsWhitespace(c))
            {
                if (column < columns)
                {
                    column++;
                    i++;
                    continue;
                }

                lines.Add(new WrappedLine(lineStart, i - lineStart));
                while (i < text.Length && IsWhitespace(text[i]))
                {
                    i++;
                }

                if (i < text.Length && text[i] == '\n')
                {
                    i++;
                }
                else if (i == text.Length)
                {
                    return;
                }

                lineStart = i;
                column = 0;
            }
            else
            {
                // Only whether the word fits matters, so counting stops one past a full line.
                var (wordColumns, wordEnd) = MeasureWord(text, i, columns + 1);
                if (wordColumns <= columns - column)
                {
                    column += wordColumns;
                    i = wordEnd;
                }
                else if (column > 0)
                {
                    lines.Add(new WrappedLine(lineStart, i - lineStart));
                    lineStart = i;
                    column = 0;
                }
                else
                {
                    var cut = SkipColumns(text, i, columns);
                    lines.Add(new WrappedLine(lineStart, cut - lineStart));
                    lineStart = i = cut;
                }
            }
        }

        lines.Add(new WrappedLine(lineStart, i - lineStart));
    }

    /// <summary>
    /// Appends to <paramref name="segments"/> the styled pieces of lines[firstLine..]. <paramref name="runs"/> must
    /// be in ascending <see cref="StyleRun.Start"/> order; text before the first run has style 0. Empty lines
    /// yield no segments.
    /// </summary>
    public static void Segment(
        ReadOnlySpan<char> text,
        ReadOnlySpan<WrappedLine> lines,
        int firstLine,
        ReadOnlySpan<StyleRun> runs,
        List<LineSegment> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfNegative(firstLine);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstLine, lines.Length);
        if (firstLine == lines.Length)
        {
            return;
        }

        // Index of the run in force at the first line's start (-1: before any run); lines only move forward.
        var run = LastRunAtOrBefore(runs, lines[firstLine].Start);
        for (var line = firstLine; line < lines.Length; line++)
        {
            var (start, end) = (lines[line].Start, lines[line].End);
            var column = 0;
            while (start < end)
            {
                while (run + 1 < runs.Length && runs[run + 1].Start <= start)
                {
                    run++;
                }

                var style = run >= 0 ? runs[run].Style : 0;
                var pieceEnd = run + 1 < runs.Length ? Math.Min(end, runs[run + 1].Start) : end;
                segments.Add(new LineSegment(line, column, start, pieceEnd - start, style));
                column += CountColumns(text[start..pieceEnd]);
                start = pieceEnd;
            }
        }
    }

    /// <summary>Columns taken by <paramref name="text"/>: its Unicode scalar values (lone surrogates count one each).</summary>
    public static int CountColumns(ReadOnlySpan<char> text)
    {
        var columns = 0;
        for (var i = 0; i < text.Length; i += RuneLength(text, i))
        {
            columns++;
        }

        return columns;
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r';

    // A surrogate pair is one column; anything else (including a lone surrogate) is one char per column.
    private static int RuneLength(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    private static (int Columns, int End) MeasureWord(ReadOnlySpan<char> text, int start, int columnLimit)
    {
        var columns = 0;
        var i = start;
        while (i < text.Length && columns < columnLimit && text[i] != '\n' && !IsWhitespace(text[i]))
        {
            i += RuneLength(text, i);
            columns++;
        }

        return (columns, i);
    }

    private static int SkipColumns(ReadOnlySpan<char> text, int start, int columns)
    {
        var i = start;
        for (var column = 0; column < columns && i < text.Length; column++)
        {
            i += RuneLength(text, i);
        }

        return i;
    }

    private static int LastRunAtOrBefore(ReadOnlySpan<StyleRun> runs, int position)
    {
        var (low, high) = (0, runs.Length - 1);
        var found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (runs[middle].Start <= position)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
