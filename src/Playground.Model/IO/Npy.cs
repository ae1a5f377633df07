// NumPy .npy (format version 1.0) float32 arrays: how activations and logits are handed to Python for comparison.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Playground.Model.IO;

/// <summary>Writes little-endian float32 arrays as .npy files that numpy.load reads.</summary>
public static class NpyWriter
{
    /// <summary>The 6-byte magic string every .npy file starts with.</summary>
    internal static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>
    /// Writes <paramref name="data"/> with <paramref name="shape"/> (C order) to <paramref name="path"/>, atomically.
    /// An empty shape writes a 0-d array holding one value.
    /// </summary>
    public static void WriteFloat32(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(shape));
            count *= dimension;
        }
        if (count != data.Length)
            throw new ArgumentException($"shape ({string.Join(", ", shape.ToArray())}) holds {count} values but data has {data.Length}", nameof(data));

        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the .npy writer assumes a little-endian machine");
        using var file = AtomicFile.Create(path);
        file.Stream.Write(Header(shape));
        file.Stream.Write(MemoryMarshal.AsBytes(data));
        file.Commit();
    }

    /// <summary>Magic, version 1.0, header length and the padded dict literal: 64-byte aligned, as the spec asks.</summary>
    internal static byte[] Header(ReadOnlySpan<int> shape)
    {
        // Python tuple syntax: a 1-tuple needs its trailing comma.
        string shapeText = shape.Length == 1
            ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
            : $"({string.Join(", ", shape.ToArray().Select(d => d.ToString(CultureInfo.InvariantCulture)))})";
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        const int preambleLength = 10; // magic (6) + version (2) + header length (2)
        int unpadded = preambleLength + dict.Length + 1; // + the terminating newline
        int padded = (unpadded + 63) / 64 * 64;
        string text = dict + new string(' ', padded - unpadded) + "\n";
        if (text.Length > ushort.MaxValue) throw new ArgumentException("shape is too long for a version 1.0 .npy header", nameof(shape));

        var header = new byte[preambleLength + text.Length];
        Magic.CopyTo(header);
        header[6] = 1; // major version
        header[7] = 0; // minor version
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(preambleLength));
        return header;
    }
}

/// <summary>Reads the .npy files <see cref="NpyWriter"/> writes: little-endian float32, C order, version 1.0 to 3.0.</summary>
public static partial class NpyReader
{
    public static (float[] Data, int[] Shape) ReadFloat32(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new ModelFormatException(path, "file not found");
        }
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(NpyWriter.Magic))
            throw new ModelFormatException(path, "not a .npy file (bad magic string)");

        byte major = bytes[6];
        // Version 1.0 has a 2-byte header length; 2.0 and 3.0 widen it to 4 bytes.
        int lengthSize = major == 1 ? 2 : major is 2 or 3 ? 4 : throw new ModelFormatException(path, $".npy version {major} is not supported");
        int headerStart = 8 + lengthSize;
        if (bytes.Length < headerStart) throw new ModelFormatException(path, "truncated .npy header");
        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8))
            : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (headerStart + headerLength > bytes.Length) throw new ModelFormatException(path, "truncated .npy header");
        string header = Encoding.Latin1.GetString(bytes, headerStart, (int)headerLength);

        Match match = HeaderPattern().Match(header);
        if (!match.Success) throw new ModelFormatException(path, $"unsupported .npy header {header.Trim()} (need '<f4', C order)");
        int[] shape = match.Groups["shape"].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.Parse(d, CultureInfo.InvariantCulture))
            .ToArray();

        long count = shape.Aggregate(1L, (product, d) => product * d);
        int dataStart = headerStart + (int)headerLength;
        if (bytes.Length - dataStart != count * sizeof(float))
            throw new ModelFormatException(path, $"shape ({string.Join(", ", shape)}) needs {count * sizeof(float)} bytes of data, the file has {bytes.Length - dataStart}");
        return (MemoryMarshal.Cast<byte, float>(bytes.AsSpan(dataStart)).ToArray(), shape);
    }

    // The dict's keys may come in any order in general, but numpy always writes them sorted, as here.
    [GeneratedRegex(@"^\{\s*'descr':\s*'<f4',\s*'fortran_order':\s*False,\s*'shape':\s*\((?<shape>[\d,\s]*)\),?\s*\}\s*$")]
    private static partial Regex HeaderPattern();
}
