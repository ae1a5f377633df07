// Turns a stream of token ids into text without ever emitting half of a multi-byte UTF-8 character.
using System.Text;

namespace Playground.Model.Tokenizers;

/// <summary>
/// Feeds each generated token's bytes through a stateful UTF-8 decoder, which holds back the start of a character
/// until its remaining bytes arrive in later tokens. Invalid bytes become U+FFFD as soon as they are known invalid.
/// </summary>
public sealed class Utf8StreamDecoder
{
    private readonly ITokenizer _tokenizer;
    // Replacement-character fallback (the default): generated text may be invalid UTF-8, which is not an error.
    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private char[] _chars = new char[64];

    public Utf8StreamDecoder(ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
    }

    /// <summary>
    /// Returns the text completed by token <paramref name="id"/>; empty while a character is still partial. An id the
    /// model has but its tokenizer lacks (a vocabulary padded to a round size, as nanoGPT's 50304) has no text and
    /// comes out as U+FFFD, like any other bytes that are not UTF-8.
    /// </summary>
    public string Push(int id) =>
        Decode(id >= _tokenizer.VocabSize ? ReplacementCharacter : _tokenizer.TokenBytes(id), flush: false);

    // U+FFFD in UTF-8: through the decoder it also ends (as U+FFFD) any character left incomplete before it.
    private static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    /// <summary>Ends the stream: a character left incomplete comes out as U+FFFD.</summary>
    public string Flush() => Decode([], flush: true);

    /// <summary>Forgets any partial character, for starting a new stream.</summary>
    public void Reset() => _decoder.Reset();

    private string Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        int count = _decoder.GetCharCount(bytes, flush);
        if (count > _chars.Length) _chars = new char[Math.Max(count, 2 * _chars.Length)];
        int written = _decoder.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }
}
