// One token per UTF-8 byte: the tokenizer of models with a 256-entry vocabulary, like the generated default.
using System.Text;

namespace Playground.Model.Tokenizers;

public sealed class ByteTokenizer : ITokenizer
{
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();

    public string Name => "bytes";

    public int VocabSize => 256;

    /// <summary>Every id is a byte, so none is left over to mean end-of-text.</summary>
    public int? EndOfTextId => null;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
    }

    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, VocabSize);
        return AllBytes.AsSpan(id, 1);
    }
}
