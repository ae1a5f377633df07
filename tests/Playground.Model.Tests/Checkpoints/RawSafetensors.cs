// Builds .safetensors files byte by byte, so tests can produce exactly the malformed files the reader must reject.
using System.Buffers.Binary;
using System.Text;

namespace Playground.Model.Tests.Checkpoints;

internal static class RawSafetensors
{
    /// <summary>Writes the 8-byte length of <paramref name="header"/>, the header and <paramref name="data"/>.</summary>
    public static void Write(string path, string header, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        using var stream = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, declaredHeaderLength ?? (ulong)headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        stream.Write(data);
    }

    public static byte[] Float32Bytes(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
