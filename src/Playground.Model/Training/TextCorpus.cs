// The training text: UTF-8 files read as bytes (the tokens of a 256-entry vocabulary), checked, then split.
using System.Security.Cryptography;
using System.Text;

namespace Playground.Model.Training;

/// <summary>Input that cannot be trained on; the message names the file or option and says what is wrong.</summary>
public sealed class TrainingDataException : Exception
{
    public TrainingDataException(string message) : base(message) { }

    public TrainingDataException() { }

    public TrainingDataException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The bytes of one or more text files, joined in order. Each byte is a token (vocab 256), so no tokenizer is
/// trained. The last <see cref="ValidationFraction"/> of the bytes is held out for validation, as nanoGPT's
/// character-level recipes do.
/// </summary>
public sealed class TextCorpus
{
    /// <summary>Share of the corpus held out, from its end.</summary>
    public const double ValidationFraction = 0.1;

    private TextCorpus(byte[] bytes, string description, IReadOnlyList<string> files)
    {
        Bytes = bytes;
        Description = description;
        Files = files;
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Every byte of the corpus, files joined with a newline where one did not end with it.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The files it was read from, for messages.</summary>
    public string Description { get; }

    /// <summary>Full paths of the files it was read from, in order; empty for a corpus made from a string.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>SHA-256 of <see cref="Bytes"/>: a resumed run checks that it trains on the same text.</summary>
    public string Fingerprint { get; }

    /// <summary>
    /// Reads <paramref name="paths"/>. Throws <see cref="TrainingDataException"/> for a missing or empty file, or
    /// one that is not UTF-8 text (a NUL byte, or a byte sequence UTF-8 does not allow).
    /// </summary>
    public static TextCorpus Load(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new TrainingDataException("no training data: give at least one text file with --data");
        }
        using var joined = new MemoryStream();
        foreach (string path in paths)
        {
            byte[] bytes = ReadFile(path);
            CheckText(path, bytes);
            if (joined.Length > 0 && joined.GetBuffer()[joined.Length - 1] != (byte)'\n')
            {
                joined.WriteByte((byte)'\n');
            }
            joined.Write(bytes);
        }
        return new TextCorpus(joined.ToArray(), string.Join(", ", paths), paths.Select(Path.GetFullPath).ToArray());
    }

    /// <summary>A corpus of <paramref name="text"/> itself, for tests and small experiments.</summary>
    public static TextCorpus FromText(string text, string description = "text")
    {
        ArgumentNullException.ThrowIfNull(text);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length == 0)
        {
            throw new TrainingDataException($"{description}: is empty");
        }
        return new TextCorpus(bytes, description, []);
    }

    /// <summary>
    /// Splits into training and validation bytes for sequences of <paramref name="context"/> tokens. Each part
    /// must hold at least one sequence plus the byte it predicts; otherwise throws <see cref="TrainingDataException"/>
    /// saying how much text that context needs.
    /// </summary>
    public (ReadOnlyMemory<byte> Train, ReadOnlyMemory<byte> Validation) Split(int context)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 1);
        int total = Bytes.Length;
        int validation = Math.Max(context + 1, (int)Math.Round(total * ValidationFraction));
        int train = total - validation;
        if (train < context + 1)
        {
            long needed = (long)Math.Max(2 * (context + 1), Math.Ceiling((context + 1) / (1 - ValidationFraction)));
            throw new TrainingDataException(
                $"{Description}: {total} bytes of text is too little for --ctx {context}: training and validation each need at least " +
                $"{context + 1} bytes (one sequence plus the byte it predicts), so at least {needed} bytes in all; use more text or a smaller --ctx");
        }
        return (Bytes[..train], Bytes[train..]);
    }

    private static byte[] ReadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new TrainingDataException($"{path}: is a folder, not a text file");
        }
        if (!File.Exists(path))
        {
            throw new TrainingDataException($"{path}: file not found");
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingDataException($"{path}: cannot be read: {e.Message}", e);
        }
        if (bytes.Length == 0)
        {
            throw new TrainingDataException($"{path}: is empty");
        }
        return bytes;
    }

    private static void CheckText(string path, byte[] bytes)
    {
        int nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0)
        {
            throw new TrainingDataException($"{path}: looks like a binary file (a NUL byte at offset {nul}); training needs UTF-8 text");
        }
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return;
        }
        int offset = 0;
        while (Rune.DecodeFromUtf8(bytes.AsSpan(offset), out _, out int consumed) == System.Buffers.OperationStatus.Done)
        {
            offset += consumed;
        }
        throw new TrainingDataException(
            $"{path}: is not UTF-8 text (invalid byte 0x{bytes[offset]:X2} at offset {offset}); convert it first, e.g. with iconv -t UTF-8");
    }
}
