// Picks the tokenizer for a model folder: its own tokenizer files, else a built-in one matching vocab_size.
namespace Playground.Model.Tokenizers;

public static class TokenizerFactory
{
    public const string TokenizerJsonFileName = "tokenizer.json";
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";

    /// <summary>
    /// The folder's tokenizer.json, else its vocab.json + merges.txt, else GPT-2 BPE for vocab_size 50257 or UTF-8
    /// bytes for vocab_size 256. Anything else throws <see cref="ModelFormatException"/>: guessing a tokenizer would
    /// make a model print fluent-looking garbage.
    /// </summary>
    public static ITokenizer For(string folder, GptConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string fullFolder = Path.GetFullPath(folder);
        ITokenizer tokenizer = FromFolderFiles(fullFolder, config) ?? config.VocabSize switch
        {
            Gpt2Tokenizer.Gpt2VocabSize => Gpt2Tokenizer.Shared,
            256 => new ByteTokenizer(),
            _ => throw new ModelFormatException(fullFolder,
                $"has no {TokenizerJsonFileName} or {VocabFileName} + {MergesFileName}, and vocab_size {config.VocabSize} matches no built-in tokenizer " +
                $"({Gpt2Tokenizer.Gpt2VocabSize}: GPT-2 BPE, 256: UTF-8 bytes)"),
        };
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ModelFormatException(fullFolder, $"tokenizer {tokenizer.Name} has {tokenizer.VocabSize} tokens but the model's vocab_size is only {config.VocabSize}");
        return tokenizer;
    }

    private static ITokenizer? FromFolderFiles(string folder, GptConfig config)
    {
        string tokenizerJson = Path.Combine(folder, TokenizerJsonFileName);
        if (File.Exists(tokenizerJson)) return ByteLevelBpeTokenizer.FromTokenizerJson(tokenizerJson, config.EosTokenId);

        string vocab = Path.Combine(folder, VocabFileName);
        string merges = Path.Combine(folder, MergesFileName);
        bool hasVocab = File.Exists(vocab), hasMerges = File.Exists(merges);
        if (hasVocab != hasMerges)
            throw new ModelFormatException(hasVocab ? merges : vocab, $"file not found (needed next to {(hasVocab ? VocabFileName : MergesFileName)})");
        return hasVocab ? ByteLevelBpeTokenizer.FromVocabAndMerges(vocab, merges, config.EosTokenId) : null;
    }
}
