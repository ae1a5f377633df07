// Tests for tokenizers read from a model folder's vocab.json + merges.txt or tokenizer.json, and for TokenizerFactory.
using System.Text;
using System.Text.Json;
using Playground.Model.Tests.IO;
using Playground.Model.Tokenizers;

namespace Playground.Model.Tests.Tokenizers;

public sealed class ByteLevelBpeTokenizerTests : IDisposable
{
    // A byte-level vocabulary just big enough for "a wow" and "é": space is spelled 'Ġ', and é's UTF-8 bytes C3 A9
    // are the printable Latin-1 characters 'Ã' and '©'.
    private static readonly Dictionary<string, int> TinyVocabulary = new()
    {
        ["a"] = 0, ["w"] = 1, ["o"] = 2, ["Ġ"] = 3, ["Ġw"] = 4, ["Ġwo"] = 5, ["Ã"] = 6, ["©"] = 7, ["<|endoftext|>"] = 8,
    };

    private static readonly string[] TinyMerges = ["Ġ w", "Ġw o"];

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteVocabAndMerges(Dictionary<string, int> vocabulary, IEnumerable<string> merges)
    {
        File.WriteAllText(_folder.Combine("vocab.json"), JsonSerializer.Serialize(vocabulary));
        File.WriteAllLines(_folder.Combine("merges.txt"), ["#version: 0.2", .. merges]);
        return _folder.Path;
    }

    private string WriteTokenizerJson(bool addPrefixSpace = false, string normalizer = "null", string modelType = "BPE")
    {
        string merges = string.Join(", ", TinyMerges.Select(m => JsonSerializer.Serialize(m.Split(' '))));
        string vocabulary = JsonSerializer.Serialize(TinyVocabulary.Where(entry => entry.Key != "<|endoftext|>").ToDictionary());
        File.WriteAllText(_folder.Combine("tokenizer.json"), $$"""
            {
              "version": "1.0",
              "added_tokens": [{"id": 8, "content": "<|endoftext|>", "special": true}],
              "normalizer": {{normalizer}},
              "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": {{(addPrefixSpace ? "true" : "false")}}, "trim_offsets": true, "use_regex": true},
              "decoder": {"type": "ByteLevel"},
              "model": {"type": "{{modelType}}", "vocab": {{vocabulary}}, "merges": [{{merges}}]}
            }
            """);
        return _folder.Combine("tokenizer.json");
    }

    [Fact]
    public void Vocab_and_merges_apply_the_merges_in_order()
    {
        WriteVocabAndMerges(TinyVocabulary, TinyMerges);
        var tokenizer = ByteLevelBpeTokenizer.FromVocabAndMerges(_folder.Combine("vocab.json"), _folder.Combine("merges.txt"));

        // " wow" is Ġ w o w: "Ġ w" merges to Ġw, then "Ġw o" to Ġwo, leaving the final w.
        Assert.Equal([0, 5, 1], tokenizer.Encode("a wow"));
        Assert.Equal([6, 7], tokenizer.Encode("é"));
        Assert.Equal([8], tokenizer.Encode("<|endoftext|>"));
        Assert.Equal(8, tokenizer.EndOfTextId);
        Assert.Equal(9, tokenizer.VocabSize);
    }

    [Fact]
    public void Token_bytes_undo_the_byte_level_spelling()
    {
        WriteVocabAndMerges(TinyVocabulary, TinyMerges);
        var tokenizer = ByteLevelBpeTokenizer.FromVocabAndMerges(_folder.Combine("vocab.json"), _folder.Combine("merges.txt"));

        Assert.Equal(" wo"u8.ToArray(), tokenizer.TokenBytes(5).ToArray());
        Assert.Equal(new byte[] { 0xC3 }, tokenizer.TokenBytes(6).ToArray());
        Assert.Equal("<|endoftext|>"u8.ToArray(), tokenizer.TokenBytes(8).ToArray());
        Assert.Equal("a woé", tokenizer.Decode([0, 5, 6, 7]));
    }

    [Fact]
    public void Tokenizer_json_with_array_merges_and_added_tokens_encodes_the_same()
    {
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(WriteTokenizerJson());

        Assert.Equal([0, 5, 1], tokenizer.Encode("a wow"));
        Assert.Equal([8], tokenizer.Encode("<|endoftext|>"));
        Assert.Equal(8, tokenizer.EndOfTextId);
    }

    [Fact]
    public void Tokenizer_json_add_prefix_space_prepends_a_space()
    {
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(WriteTokenizerJson(addPrefixSpace: true));

        Assert.Equal([5, 1], tokenizer.Encode("wow"));
        Assert.Equal([5, 1], tokenizer.Encode(" wow"));
    }

    [Theory]
    [InlineData("""{"type": "NFC"}""", "BPE", "normalizers are not supported")]
    [InlineData("null", "WordPiece", "model type WordPiece is not supported")]
    public void Tokenizer_json_of_another_kind_is_reported(string normalizer, string modelType, string problem)
    {
        string path = WriteTokenizerJson(normalizer: normalizer, modelType: modelType);

        var error = Assert.Throws<ModelFormatException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(path));

        Assert.Contains("tokenizer.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_merges_line_that_is_not_a_pair_is_reported_with_its_line_number()
    {
        WriteVocabAndMerges(TinyVocabulary, ["Ġ w", "Ġw o x"]);

        var error = Assert.Throws<ModelFormatException>(() =>
            ByteLevelBpeTokenizer.FromVocabAndMerges(_folder.Combine("vocab.json"), _folder.Combine("merges.txt")));

        Assert.Contains("merges.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Full_GPT2_vocab_and_merges_encode_exactly_like_the_built_in_GPT2_tokenizer()
    {
        (Dictionary<string, int> vocabulary, List<string> merges) = Gpt2FilesFromRanks();
        WriteVocabAndMerges(vocabulary, merges);
        var fromFiles = ByteLevelBpeTokenizer.FromVocabAndMerges(_folder.Combine("vocab.json"), _folder.Combine("merges.txt"));

        foreach (string text in new[] { "Hello world", "It's the 1234th time, isn't it?  ", "naïve café — 日本語 😀\n\n\ttabs", "<|endoftext|>after" })
            Assert.Equal(Gpt2Tokenizer.Shared.Encode(text), fromFiles.Encode(text));
        Assert.Equal(50000, merges.Count);
        Assert.Equal(50256, fromFiles.EndOfTextId);
    }

    [Fact]
    public void Factory_prefers_tokenizer_json_then_vocab_and_merges()
    {
        var config = new GptConfig(1, 1, 4, 8, VocabSize: 9);
        WriteVocabAndMerges(TinyVocabulary, TinyMerges);
        Assert.Equal("bpe (vocab.json + merges.txt)", TokenizerFactory.For(_folder.Path, config).Name);

        WriteTokenizerJson();
        Assert.Equal("bpe (tokenizer.json)", TokenizerFactory.For(_folder.Path, config).Name);
    }

    [Theory]
    [InlineData(50257, "gpt2")]
    [InlineData(256, "bytes")]
    public void Factory_falls_back_to_a_built_in_tokenizer_by_vocab_size(int vocabSize, string expected)
    {
        Assert.Equal(expected, TokenizerFactory.For(_folder.Path, new GptConfig(1, 1, 4, 8, vocabSize)).Name);
    }

    [Fact]
    public void Factory_reports_a_vocab_size_without_a_tokenizer()
    {
        var error = Assert.Throws<ModelFormatException>(() => TokenizerFactory.For(_folder.Path, new GptConfig(1, 1, 4, 8, 1000)));

        Assert.Contains(_folder.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("vocab_size 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_reports_vocab_json_without_merges_txt()
    {
        File.WriteAllText(_folder.Combine("vocab.json"), JsonSerializer.Serialize(TinyVocabulary));

        var error = Assert.Throws<ModelFormatException>(() => TokenizerFactory.For(_folder.Path, new GptConfig(1, 1, 4, 8, 9)));

        Assert.Contains("merges.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_reports_a_tokenizer_larger_than_the_model_vocabulary()
    {
        WriteVocabAndMerges(TinyVocabulary, TinyMerges);

        var error = Assert.Throws<ModelFormatException>(() => TokenizerFactory.For(_folder.Path, new GptConfig(1, 1, 4, 8, 5)));

        Assert.Contains("has 9 tokens", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Rebuilds GPT-2's vocab.json and merges.txt from the token byte strings, whose ids are BPE ranks: each token
    /// is the merge of the two parts that rank-ordered BPE over its bytes ends with.
    /// </summary>
    private static (Dictionary<string, int> Vocabulary, List<string> Merges) Gpt2FilesFromRanks()
    {
        string[] spelling = BytesToUnicode();
        string Spell(byte[] bytes) => string.Concat(bytes.Select(b => spelling[b]));
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var merges = new List<string>();
        for (int id = 0; id < Gpt2Tokenizer.EndOfTextToken; id++)
        {
            byte[] bytes = Gpt2Tokenizer.Shared.TokenBytes(id).ToArray();
            string token = Spell(bytes);
            rankOf[token] = id;
            vocabulary[token] = id;
            if (bytes.Length == 1) continue;
            var parts = bytes.Select(b => spelling[b]).ToList();
            while (parts.Count > 2)
            {
                int best = -1, bestRank = int.MaxValue;
                for (int j = 0; j + 1 < parts.Count; j++)
                {
                    if (rankOf.TryGetValue(parts[j] + parts[j + 1], out int rank) && rank < bestRank) (best, bestRank) = (j, rank);
                }
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            merges.Add($"{parts[0]} {parts[1]}");
        }
        vocabulary["<|endoftext|>"] = Gpt2Tokenizer.EndOfTextToken;
        return (vocabulary, merges);
    }

    // bytes_to_unicode from openai/gpt-2 encoder.py, transcribed.
    private static string[] BytesToUnicode()
    {
        var bs = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToList();
        var cs = bs.ToList();
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (bs.Contains(b)) continue;
            bs.Add(b);
            cs.Add(256 + n++);
        }
        var spelling = new string[256];
        for (int i = 0; i < bs.Count; i++) spelling[bs[i]] = ((char)cs[i]).ToString();
        return spelling;
    }
}
