// Writes .safetensors files (hand-written, like the reader: no safetensors package is served to this project).
using System.Buffers.Binary;
using System.Text.Json;
using Playground.Model.IO;

namespace Playground.Model.Checkpoints;

/// <summary>A tensor to write: its name, shape and float32 values.</summary>
public sealed class SafetensorsTensor
{
    private readonly Func<ReadOnlyMemory<float>> _produceValues;

    public SafetensorsTensor(string name, IReadOnlyList<long> shape, ReadOnlyMemory<float> values)
        : this(name, shape, () => values) { }

    /// <summary>
    /// A tensor whose values are produced only when the writer reaches it, and used before the next tensor is
    /// produced: a caller that must transform values (e.g. transpose) can reuse one buffer for every tensor.
    /// </summary>
    public SafetensorsTensor(string name, IReadOnlyList<long> shape, Func<ReadOnlyMemory<float>> produceValues)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(produceValues);
        Name = name;
        Shape = shape;
        _produceValues = produceValues;
    }

    public string Name { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    internal ReadOnlyMemory<float> ProduceValues() => _produceValues();
}

public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/>, in order, as <paramref name="dtype"/> to <paramref name="path"/>, atomically
    /// (temporary file + rename). The header is padded with spaces so the data starts 8-byte aligned.
    /// </summary>
    public static void Write(string path, IReadOnlyList<SafetensorsTensor> tensors, SafetensorsDtype dtype = SafetensorsDtype.F32,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        byte[] header = Header(tensors, dtype, metadata);

        using var file = AtomicFile.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Stream.Write(length);
        file.Stream.Write(header);

        int elementBytes = FloatConversion.ElementBytes(dtype);
        var buffer = new byte[(1 << 16) * elementBytes];
        foreach (SafetensorsTensor tensor in tensors)
        {
            ReadOnlySpan<float> values = tensor.ProduceValues().Span;
            if (values.Length != tensor.ElementCount)
                throw new ArgumentException($"tensor '{tensor.Name}' has shape ({string.Join(", ", tensor.Shape)}) but {values.Length} values", nameof(tensors));
            for (int done = 0; done < values.Length; done += 1 << 16)
            {
                ReadOnlySpan<float> chunk = values.Slice(done, Math.Min(1 << 16, values.Length - done));
                Span<byte> bytes = buffer.AsSpan(0, chunk.Length * elementBytes);
                FloatConversion.FromFloat32(dtype, chunk, bytes);
                file.Stream.Write(bytes);
            }
        }
        file.Commit();
    }

    private static byte[] Header(IReadOnlyList<SafetensorsTensor> tensors, SafetensorsDtype dtype, IReadOnlyDictionary<string, string>? metadata)
    {
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is not null)
            {
                writer.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (SafetensorsTensor tensor in tensors)
            {
                if (!names.Add(tensor.Name) || tensor.Name == "__metadata__")
                    throw new ArgumentException($"tensor name '{tensor.Name}' is used twice or reserved", nameof(tensors));
                long bytes = tensor.ElementCount * FloatConversion.ElementBytes(dtype);
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", dtype.ToString());
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape) writer.WriteNumberValue(dimension);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }

        int padding = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < padding; i++) json.WriteByte((byte)' ');
        return json.ToArray();
    }
}
