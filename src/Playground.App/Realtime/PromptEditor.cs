// The one-line editor where a new prompt is typed.
using System.Text;

namespace Playground.App.Realtime;

/// <summary>Text typed for the next prompt: characters are appended and removed at the end, a whole character at a time.</summary>
public sealed class PromptEditor
{
    /// <summary>Longer input is ignored: no model here has a context anywhere near this many characters.</summary>
    public const int MaxLength = 8192;

    private readonly StringBuilder text = new();

    public string Text => text.ToString();

    public int Length => text.Length;

    /// <summary>Replaces the text, e.g. with the current prompt so that it can be edited.</summary>
    public void Set(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        text.Clear().Append(value.AsSpan(0, Math.Min(value.Length, MaxLength)));
    }

    /// <summary>Appends a typed character; control characters are not text and are ignored.</summary>
    public void Type(Rune rune)
    {
        if (Rune.IsControl(rune) || text.Length + rune.Utf16SequenceLength > MaxLength)
        {
            return;
        }

        Span<char> utf16 = stackalloc char[2];
        text.Append(utf16[..rune.EncodeToUtf16(utf16)]);
    }

    /// <summary>Removes the last character (both halves of a surrogate pair).</summary>
    public void Backspace()
    {
        if (text.Length == 0)
        {
            return;
        }

        var remove = text.Length >= 2 && char.IsLowSurrogate(text[^1]) && char.IsHighSurrogate(text[^2]) ? 2 : 1;
        text.Length -= remove;
    }

    public void Clear() => text.Clear();
}
