// The prompt and the text generated after it, as the window shows them: decoded as tokens arrive, styled, wrapped.
using System.Runtime.InteropServices;
using Playground.App.Text;
using Playground.Model.Tokenizers;

namespace Playground.App.Realtime;

/// <summary>
/// Holds the shown text of one generation: the prompt (style <see cref="PromptStyle"/>) followed by the generated
/// text (style <see cref="GeneratedStyle"/>), decoded token by token through a UTF-8 stream decoder so that a
/// character split over two tokens appears whole once its last byte arrives, and invalid bytes appear as U+FFFD.
/// Keeps its word-wrapped layout up to date cheaply as tokens are appended.
/// </summary>
public sealed class Transcript
{
    public const int PromptStyle = 0;
    public const int GeneratedStyle = 1;

    private readonly Utf8StreamDecoder decoder;
    private readonly List<char> text = [];
    private readonly TextLayout layout = new();
    private StyleRun[] runs = [];
    private bool layoutStale = true;

    public Transcript(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        decoder = new Utf8StreamDecoder(tokenizer);
        Reset(string.Empty);
    }

    /// <summary>Everything shown: the prompt, then the generated text.</summary>
    public ReadOnlySpan<char> Text => CollectionsMarshal.AsSpan(text);

    /// <summary>Characters of <see cref="Text"/> that are the prompt.</summary>
    public int PromptLength { get; private set; }

    /// <summary>The generated text alone.</summary>
    public string Generated => new(Text[PromptLength..]);

    /// <summary>The column limit of the last layout (0 before any).</summary>
    public int Columns => layout.Columns;

    /// <summary>Style runs for the renderer: the prompt, then the generated text.</summary>
    public ReadOnlySpan<StyleRun> Runs => runs;

    /// <summary>Starts over with <paramref name="prompt"/> and nothing generated yet.</summary>
    public void Reset(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        decoder.Reset();
        text.Clear();
        text.AddRange(prompt);
        PromptLength = prompt.Length;
        runs = [new StyleRun(0, PromptStyle), new StyleRun(PromptLength, GeneratedStyle)];
        layoutStale = true;
    }

    /// <summary>Appends the text that token <paramref name="tokenId"/> completes (nothing while a character is partial).</summary>
    public void Append(int tokenId) => text.AddRange(decoder.Push(tokenId));

    /// <summary>Ends the generation: a character left incomplete shows as U+FFFD.</summary>
    public void Finish() => text.AddRange(decoder.Flush());

    /// <summary>The layout of the text wrapped at <paramref name="columns"/>, updated for what was appended since the last call.</summary>
    public TextLayout LayoutFor(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if (layoutStale || layout.Columns != columns)
        {
            layout.Layout(Text, runs, columns);
            layoutStale = false;
        }
        else if (layout.TextLength != text.Count)
        {
            layout.Extend(Text, runs);
        }

        return layout;
    }
}
