// A model folder's own GPT-2-style byte-level BPE (vocab.json + merges.txt, or tokenizer.json), via Microsoft.ML.Tokenizers.
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Playground.Model.Tokenizers;

public sealed partial class ByteLevelBpeTokenizer : ITokenizer
{
    private readonly BpeTokenizer _tokenizer;
    private readonly byte[][] _tokenBytes;
    private readonly bool _addPrefixSpace;

    private ByteLevelBpeTokenizer(string name, Dictionary<string, int> vocabulary, IReadOnlyList<string> merges,
        Dictionary<string, int> specialTokens, int? endOfTextId, bool addPrefixSpace, string source)
    {
        Name = name;
        EndOfTextId = endOfTextId;
        _addPrefixSpace = addPrefixSpace;
        try
        {
            _tokenizer = BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                SpecialTokens = specialTokens,
                PreTokenizer = new RegexPreTokenizer(Gpt2Split(), specialTokens),
            });
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException(source, $"not a usable byte-level BPE vocabulary: {e.Message}");
        }

        _tokenBytes = new byte[vocabulary.Values.Max() + 1][];
        foreach ((string token, int id) in vocabulary)
        {
            // Special tokens are literal text; everything else is spelled in the byte-level alphabet.
            _tokenBytes[id] = specialTokens.ContainsKey(token)
                ? Encoding.UTF8.GetBytes(token)
                : ByteLevelAlphabet.ToBytes(token) ?? Encoding.UTF8.GetBytes(token);
        }
    }

    public string Name { get; }

    public int VocabSize => _tokenBytes.Length;

    public int? EndOfTextId { get; }

    /// <summary>
    /// Reads HuggingFace's vocab.json + merges.txt pair. The files do not say which tokens are special, so
    /// "&lt;|endoftext|&gt;" and the token with <paramref name="endOfTextId"/> (from config.json) are treated as such.
    /// </summary>
    public static ByteLevelBpeTokenizer FromVocabAndMerges(string vocabPath, string mergesPath, int? endOfTextId = null)
    {
        Dictionary<string, int> vocabulary = ReadVocabulary(vocabPath);
        List<string> merges = ReadMerges(mergesPath);
        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        bool hasEndOfText = vocabulary.TryGetValue("<|endoftext|>", out int endOfText);
        if (hasEndOfText) special["<|endoftext|>"] = endOfText;
        if (endOfTextId is int eos)
        {
            string eosToken = vocabulary.FirstOrDefault(entry => entry.Value == eos).Key
                ?? throw new ModelFormatException(Path.GetFullPath(vocabPath), $"has no token with the end-of-text id {eos}");
            special[eosToken] = eos;
        }
        endOfTextId ??= hasEndOfText ? endOfText : null;
        return new ByteLevelBpeTokenizer("bpe (vocab.json + merges.txt)", vocabulary, merges, special, endOfTextId, addPrefixSpace: false,
            Path.GetFullPath(vocabPath));
    }

    /// <summary>
    /// Reads a HuggingFace tokenizer.json whose model is BPE with a GPT-2 byte-level pre-tokenizer; its added tokens
    /// are matched literally. Other tokenizer kinds throw <see cref="ModelFormatException"/>.
    /// </summary>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string path, int? endOfTextId = null)
    {
        string fullPath = Path.GetFullPath(path);
        using JsonDocument document = ParseJson(fullPath);
        try
        {
            return FromTokenizerJson(document.RootElement, fullPath, endOfTextId);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // JsonElement's typed getters throw these when a field is absent or of another JSON type.
            throw new ModelFormatException(fullPath, $"unexpected structure: {e.Message}");
        }
    }

    private static ByteLevelBpeTokenizer FromTokenizerJson(JsonElement root, string fullPath, int? endOfTextId)
    {
        ModelFormatException Problem(string problem) => new(fullPath, problem);
        if (root.ValueKind != JsonValueKind.Object) throw Problem("must hold a JSON object");

        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
            throw Problem("has no model object");
        string? type = model.TryGetProperty("type", out JsonElement typeElement) ? typeElement.GetString() : null;
        if (type != "BPE") throw Problem($"model type {type ?? "(none)"} is not supported (only byte-level BPE)");
        if (root.TryGetProperty("normalizer", out JsonElement normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw Problem("normalizers are not supported (GPT-2 byte-level BPE has none)");

        bool addPrefixSpace = false;
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement pre) || pre.ValueKind != JsonValueKind.Object
            || !pre.TryGetProperty("type", out JsonElement preType) || preType.GetString() != "ByteLevel"
            || (pre.TryGetProperty("use_regex", out JsonElement useRegex) && useRegex.ValueKind == JsonValueKind.False))
            throw Problem("pre_tokenizer is not supported (only GPT-2's ByteLevel with its regex)");
        if (pre.TryGetProperty("add_prefix_space", out JsonElement prefix)) addPrefixSpace = prefix.ValueKind == JsonValueKind.True;

        if (!model.TryGetProperty("vocab", out JsonElement vocabElement)) throw Problem("model has no vocab");
        Dictionary<string, int> vocabulary = VocabularyFrom(vocabElement, fullPath);
        if (!model.TryGetProperty("merges", out JsonElement mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
            throw Problem("model has no merges array");
        var merges = new List<string>();
        foreach (JsonElement merge in mergesElement.EnumerateArray())
        {
            // Older files write a merge as "a b", newer ones as ["a", "b"].
            merges.Add(merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array when merge.GetArrayLength() == 2 => $"{merge[0].GetString()} {merge[1].GetString()}",
                _ => throw Problem($"merge {merge.GetRawText()} is neither \"a b\" nor [\"a\", \"b\"]"),
            });
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement token in added.EnumerateArray())
            {
                string content = token.GetProperty("content").GetString() ?? throw Problem("an added token has no content");
                int id = token.GetProperty("id").GetInt32();
                special[content] = id;
                vocabulary[content] = id;
            }
        }
        endOfTextId ??= special.TryGetValue("<|endoftext|>", out int endOfText) ? endOfText : null;
        return new ByteLevelBpeTokenizer("bpe (tokenizer.json)", vocabulary, merges, special, endOfTextId, addPrefixSpace, fullPath);
    }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // HuggingFace's ByteLevel add_prefix_space: a leading space makes the first word look like any other word.
        if (_addPrefixSpace && !text.StartsWith(' ')) text = " " + text;
        return [.. _tokenizer.EncodeToIds(text)];
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, VocabSize);
        return _tokenBytes[id] ?? [];
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        string fullPath = Path.GetFullPath(path);
        using JsonDocument document = ParseJson(fullPath);
        return VocabularyFrom(document.RootElement, fullPath);
    }

    private static Dictionary<string, int> VocabularyFrom(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new ModelFormatException(path, "vocabulary must be a JSON object of token: id");
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
                throw new ModelFormatException(path, $"token {JsonSerializer.Serialize(entry.Name)} has id {entry.Value.GetRawText()}, not a non-negative integer");
            vocabulary[entry.Name] = id;
        }
        if (vocabulary.Count == 0) throw new ModelFormatException(path, "vocabulary is empty");
        return vocabulary;
    }

    private static List<string> ReadMerges(string path)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new ModelFormatException(fullPath, "file not found");
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(fullPath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal))) continue;
            if (line.Split(' ').Length != 2) throw new ModelFormatException(fullPath, $"line {lineNumber} is not a merge \"a b\": {line}");
            merges.Add(line);
        }
        return merges;
    }

    private static JsonDocument ParseJson(string fullPath)
    {
        if (!File.Exists(fullPath)) throw new ModelFormatException(fullPath, "file not found");
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(fullPath));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(fullPath, $"not valid JSON: {e.Message}");
        }
    }

    // GPT-2's pre-tokenization pattern (openai/gpt-2 encoder.py): contractions, words, numbers, punctuation runs,
    // and whitespace, each word keeping its leading space.
    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex Gpt2Split();
}
