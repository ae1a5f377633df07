// GPT-2's byte-to-character table ("bytes_to_unicode"), which byte-level BPE vocabularies are written in.
namespace Playground.Model.Tokenizers;

/// <summary>
/// Byte-level BPE files spell every byte as a printable character: printable Latin-1 bytes as themselves, the rest
/// (controls, space, ...) as U+0100 onwards in byte order, so that space is 'Ġ'. This maps vocabulary strings back
/// to the bytes they stand for.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly Dictionary<char, byte> ByteOfCharacter = Build();

    /// <summary>The bytes <paramref name="token"/> spells, or null if it uses characters outside the alphabet.</summary>
    public static byte[]? ToBytes(string token)
    {
        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!ByteOfCharacter.TryGetValue(token[i], out bytes[i])) return null;
        }
        return bytes;
    }

    private static Dictionary<char, byte> Build()
    {
        static bool Printable(int b) => (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        var table = new Dictionary<char, byte>(256);
        int next = 256;
        for (int b = 0; b < 256; b++) table[(char)(Printable(b) ? b : next++)] = (byte)b;
        return table;
    }
}
