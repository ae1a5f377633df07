// Tests that streamed token text never contains half a character, and that broken UTF-8 degrades to U+FFFD.
using System.Text;
using Playground.Model.Tokenizers;

namespace Playground.Model.Tests.Tokenizers;

public sealed class Utf8StreamDecoderTests
{
    private static readonly string[] SampleTexts =
    [
        "plain ascii",
        "café é à",
        "日本語のテキスト",
        "emoji 😀👍🏽 and flags 🇫🇷",
        "mixed: naïve 日本 😀 end",
    ];

    public static TheoryData<string> Texts => new(SampleTexts);

    [Theory]
    [MemberData(nameof(Texts))]
    public void Byte_tokens_stream_whole_characters_only(string text)
    {
        var tokenizer = new ByteTokenizer();

        List<string> chunks = Stream(tokenizer, tokenizer.Encode(text), out string tail);

        Assert.All(chunks, AssertWholeCharacters);
        Assert.Equal(text, string.Concat(chunks));
        Assert.Equal("", tail);
    }

    [Fact]
    public void A_multi_byte_character_appears_only_with_its_last_byte()
    {
        var decoder = new Utf8StreamDecoder(new ByteTokenizer());

        // 日 is E6 97 A5 in UTF-8.
        Assert.Equal("", decoder.Push(0xE6));
        Assert.Equal("", decoder.Push(0x97));
        Assert.Equal("日", decoder.Push(0xA5));
    }

    [Fact]
    public void Flush_turns_an_incomplete_character_into_a_replacement_character()
    {
        var decoder = new Utf8StreamDecoder(new ByteTokenizer());

        Assert.Equal("", decoder.Push(0xE6));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void An_id_past_the_tokenizer_but_inside_the_model_vocabulary_becomes_a_replacement_character()
    {
        // A model may pad its vocabulary past its tokenizer's; sampling can still pick a padding id.
        var decoder = new Utf8StreamDecoder(new ByteTokenizer());

        Assert.Equal("\uFFFD", decoder.Push(300));
        Assert.Equal("", decoder.Push(0xE6));
        Assert.Equal("\uFFFD\uFFFD", decoder.Push(256));
        Assert.Equal("A", decoder.Push('A'));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Push(-1));
    }

    [Fact]
    public void An_invalid_byte_becomes_a_replacement_character_and_decoding_goes_on()
    {
        var decoder = new Utf8StreamDecoder(new ByteTokenizer());

        Assert.Equal("\uFFFD", decoder.Push(0xFF));
        Assert.Equal("A", decoder.Push('A'));
        Assert.Equal("", decoder.Push(0xC3));
        Assert.Equal("\uFFFDB", decoder.Push('B'));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Gpt2_tokens_stream_whole_characters_only(string text)
    {
        Gpt2Tokenizer tokenizer = Gpt2Tokenizer.Shared;
        int[] ids = tokenizer.Encode(text);

        List<string> chunks = Stream(tokenizer, ids, out string tail);

        Assert.All(chunks, AssertWholeCharacters);
        Assert.Equal(text, string.Concat(chunks));
        Assert.Equal("", tail);
    }

    [Fact]
    public void Gpt2_splits_some_of_these_characters_across_tokens()
    {
        // Guards the test above: it only proves something if some token ends mid-character.
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        int[] ids = Gpt2Tokenizer.Shared.Encode(string.Concat(SampleTexts));

        Assert.Contains(ids, id => !IsValidUtf8(strict, Gpt2Tokenizer.Shared.TokenBytes(id).ToArray()));
    }

    private static List<string> Stream(ITokenizer tokenizer, int[] ids, out string tail)
    {
        var decoder = new Utf8StreamDecoder(tokenizer);
        var chunks = ids.Select(decoder.Push).ToList();
        tail = decoder.Flush();
        return chunks;
    }

    private static void AssertWholeCharacters(string chunk)
    {
        Assert.DoesNotContain('\uFFFD', chunk);
        for (int i = 0; i < chunk.Length; i++)
        {
            if (char.IsHighSurrogate(chunk[i])) Assert.True(i + 1 < chunk.Length && char.IsLowSurrogate(chunk[++i]), $"lone high surrogate in '{chunk}'");
            else Assert.False(char.IsLowSurrogate(chunk[i]), $"lone low surrogate in '{chunk}'");
        }
    }

    private static bool IsValidUtf8(UTF8Encoding strict, byte[] bytes)
    {
        try
        {
            strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
