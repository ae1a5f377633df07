// The tokenizer contract: text to ids for the prompt, ids to raw bytes for streaming output.
namespace Playground.Model.Tokenizers;

/// <summary>
/// Maps text to token ids and each id back to the exact bytes it stands for. Ids decode to bytes rather than text
/// because a byte-level token can hold part of a UTF-8 character; <see cref="Utf8StreamDecoder"/> reassembles them.
/// </summary>
public interface ITokenizer
{
    /// <summary>Short description shown to users, e.g. "gpt2" or "bytes".</summary>
    string Name { get; }

    /// <summary>Ids 0..VocabSize-1 can be decoded.</summary>
    int VocabSize { get; }

    /// <summary>The end-of-text token, or null when the vocabulary has none.</summary>
    int? EndOfTextId { get; }

    int[] Encode(string text);

    /// <summary>The bytes token <paramref name="id"/> stands for; throws <see cref="ArgumentOutOfRangeException"/> outside the vocabulary.</summary>
    ReadOnlySpan<byte> TokenBytes(int id);
}

public static class TokenizerExtensions
{
    /// <summary>Decodes a whole sequence at once; invalid or incomplete UTF-8 becomes U+FFFD.</summary>
    public static string Decode(this ITokenizer tokenizer, ReadOnlySpan<int> ids)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var decoder = new Utf8StreamDecoder(tokenizer);
        var text = new System.Text.StringBuilder();
        foreach (int id in ids) text.Append(decoder.Push(id));
        return text.Append(decoder.Flush()).ToString();
    }
}
