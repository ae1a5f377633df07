// Tests for the built-in GPT-2 BPE tokenizer and the byte tokenizer.
using System.Text;
using Microsoft.ML.Tokenizers;
using Playground.Model.Tokenizers;

namespace Playground.Model.Tests.Tokenizers;

public sealed class Gpt2TokenizerTests
{
    [Fact]
    public void Hello_world_encodes_to_the_published_GPT2_ids()
    {
        Assert.Equal([15496, 995], Gpt2Tokenizer.Shared.Encode("Hello world"));
    }

    [Fact]
    public void End_of_text_is_token_50256_in_text_and_as_metadata()
    {
        Assert.Equal(50256, Gpt2Tokenizer.Shared.EndOfTextId);
        Assert.Equal(50256, Gpt2Tokenizer.Shared.Encode("<|endoftext|>").Single());
        Assert.Equal("<|endoftext|>", Encoding.UTF8.GetString(Gpt2Tokenizer.Shared.TokenBytes(50256)));
    }

    [Fact]
    public void Token_bytes_agree_with_the_library_decoder_for_every_whole_character_token()
    {
        var library = TiktokenTokenizer.CreateForModel("gpt2");
        int checkedTokens = 0;
        for (int id = 0; id < Gpt2Tokenizer.Gpt2VocabSize; id++)
        {
            string decoded = library.Decode([id]);
            if (decoded.Contains('\uFFFD', StringComparison.Ordinal)) continue; // part of a character: no text to compare
            Assert.Equal(Encoding.UTF8.GetBytes(decoded), Gpt2Tokenizer.Shared.TokenBytes(id).ToArray());
            checkedTokens++;
        }
        Assert.True(checkedTokens > 49_000, $"only {checkedTokens} tokens decode to whole characters");
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("It's 2024; naïve café — 日本語 😀\n\n\tindented  ")]
    public void Decode_inverts_encode(string text)
    {
        Assert.Equal(text, Gpt2Tokenizer.Shared.Decode(Gpt2Tokenizer.Shared.Encode(text)));
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2Tokenizer.Shared.TokenBytes(50257).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2Tokenizer.Shared.TokenBytes(-1).ToArray());
    }

    [Fact]
    public void Byte_tokenizer_uses_the_utf8_bytes_as_ids()
    {
        var tokenizer = new ByteTokenizer();

        // é is U+00E9: UTF-8 C3 A9.
        Assert.Equal([(int)'a', 0xC3, 0xA9], tokenizer.Encode("aé"));
        Assert.Equal([0xA9], tokenizer.TokenBytes(0xA9).ToArray());
        Assert.Null(tokenizer.EndOfTextId);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.TokenBytes(256).ToArray());
    }
}
