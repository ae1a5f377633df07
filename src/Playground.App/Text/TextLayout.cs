// Wrapped, styled text kept between frames and updated cheaply as tokens are appended.
using System.Runtime.InteropServices;

namespace Playground.App.Text;

/// <summary>
/// Wrapped, styled text kept between frames: <see cref="Layout"/> wraps everything, <see cref="Extend"/> redoes
/// only the last line after text was appended, which is what a token-by-token view needs.
/// </summary>
public sealed class TextLayout
{
    private readonly List<WrappedLine> lines = [];
    private readonly List<LineSegment> segments = [];
    private readonly List<int> firstSegmentOfLine = [];

    /// <summary>The column limit of the current layout (0 before the first <see cref="Layout"/>).</summary>
    public int Columns { get; private set; }

    /// <summary>Length of the text last laid out.</summary>
    public int TextLength { get; private set; }

    /// <summary>Number of lines (at least 1 once laid out).</summary>
    public int LineCount => lines.Count;

    public IReadOnlyList<WrappedLine> Lines => lines;

    public IReadOnlyList<LineSegment> Segments => segments;

    /// <summary>The styled segments of one line, left to right.</summary>
    public ReadOnlySpan<LineSegment> SegmentsOf(int line)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(line);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(line, lines.Count);
        var first = firstSegmentOfLine[line];
        var end = line + 1 < lines.Count ? firstSegmentOfLine[line + 1] : segments.Count;
        return CollectionsMarshal.AsSpan(segments)[first..end];
    }

    /// <summary>Wraps <paramref name="text"/> from scratch at <paramref name="columns"/> columns.</summary>
    public void Layout(ReadOnlySpan<char> text, ReadOnlySpan<StyleRun> runs, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        lines.Clear();
        segments.Clear();
        firstSegmentOfLine.Clear();
        Columns = columns;
        Continue(text, runs, fromLine: 0, fromOffset: 0);
    }

    /// <summary>
    /// Updates the layout after text was appended: <paramref name="text"/> must start with the previously laid
    /// out text and <paramref name="runs"/> may only have gained runs at or after its last line. Costs about one
    /// line plus the new text.
    /// </summary>
    public void Extend(ReadOnlySpan<char> text, ReadOnlySpan<StyleRun> runs)
    {
        if (Columns == 0)
        {
            throw new InvalidOperationException("Extend needs an earlier Layout.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(text.Length, TextLength);
        var lastLine = lines.Count - 1;
        var lastStart = lines[lastLine].Start;
        segments.RemoveRange(firstSegmentOfLine[lastLine], segments.Count - firstSegmentOfLine[lastLine]);
        firstSegmentOfLine.RemoveAt(lastLine);
        lines.RemoveAt(lastLine);
        Continue(text, runs, lastLine, lastStart);
    }

    private void Continue(ReadOnlySpan<char> text, ReadOnlySpan<StyleRun> runs, int fromLine, int fromOffset)
    {
        WordWrap.Wrap(text, Columns, lines, fromOffset);
        var lineSpan = CollectionsMarshal.AsSpan(lines);
        var segmentCountBefore = segments.Count;
        WordWrap.Segment(text, lineSpan, fromLine, runs, segments);

        // Segments come out grouped by line in order, so each line's first segment is found in one pass.
        var next = segmentCountBefore;
        for (var line = fromLine; line < lines.Count; line++)
        {
            firstSegmentOfLine.Add(next);
            while (next < segments.Count && segments[next].Line == line)
            {
                next++;
            }
        }

        TextLength = text.Length;
    }
}
