// Reads .safetensors files through a memory map. Hand-written on purpose: no safetensors package is served to this
// project, and the format (a length, a JSON header, raw little-endian data) is small enough to validate fully here.
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Playground.Model.Checkpoints;

/// <summary>The floating-point element types this project reads and writes; all are converted to float32.</summary>
public enum SafetensorsDtype
{
    F32,
    F16,
    BF16,
}

/// <summary>One tensor's header entry. Offsets are relative to the start of the data section.</summary>
public sealed record SafetensorsTensorInfo(string Name, string Dtype, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public override string ToString() => $"{Name} {Dtype} ({string.Join(", ", Shape)})";
}

/// <summary>
/// An open .safetensors file. <see cref="Open"/> validates the whole header (lengths, JSON, offsets, sizes, overlaps)
/// so that later reads cannot run off the file; tensors are converted to float32 straight from the mapped pages.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Real headers are kilobytes; anything this large is a corrupt length, not a header.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int LengthPrefixBytes = 8;

    private static readonly Dictionary<string, int> DtypeBytes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8, ["C64"] = 8,
    };

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _fileStart;
    private readonly long _dataStart;
    private bool _disposed;

    private SafetensorsFile(string path, long fileBytes, MemoryMappedFile map, MemoryMappedViewAccessor view, nint fileStart)
    {
        Path = path;
        FileBytes = fileBytes;
        _map = map;
        _view = view;
        _fileStart = fileStart;

        long headerBytes = BinaryPrimitives.ReadInt64LittleEndian(Bytes(0, LengthPrefixBytes));
        if (headerBytes < 0 || headerBytes > MaxHeaderBytes)
            throw Problem($"header length {(ulong)headerBytes} bytes is absurd (the limit is {MaxHeaderBytes} bytes); the file is corrupt or not safetensors");
        if (headerBytes > fileBytes - LengthPrefixBytes)
            throw Problem($"header length {headerBytes} bytes runs past the end of the {fileBytes}-byte file; the file is truncated");
        _dataStart = LengthPrefixBytes + headerBytes;

        (Tensors, Metadata) = ParseHeader(Bytes(LengthPrefixBytes, (int)headerBytes), fileBytes - _dataStart);
    }

    public string Path { get; }

    public long FileBytes { get; }

    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The header's optional "__metadata__" string map (HuggingFace puts {"format": "pt"} there).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates <paramref name="path"/>; throws <see cref="ModelFormatException"/> naming the file.</summary>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new ModelFormatException(fullPath, "file not found");

        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(fullPath, $"cannot open: {e.Message}");
        }

        long fileBytes = stream.Length;
        if (fileBytes < LengthPrefixBytes)
        {
            stream.Dispose();
            throw new ModelFormatException(fullPath, $"file is {fileBytes} bytes, too short to hold the 8-byte header length; the file is truncated");
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool pointerAcquired = false;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, fileBytes, MemoryMappedFileAccess.Read);
            nint fileStart = AcquireViewPointer(view);
            pointerAcquired = true;
            return new SafetensorsFile(fullPath, fileBytes, map, view, fileStart);
        }
        catch
        {
            if (pointerAcquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is null) stream.Dispose();
            map?.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>Returns tensor <paramref name="name"/> converted to float32 (row-major, as stored).</summary>
    public float[] ReadFloat32(string name)
    {
        SafetensorsTensorInfo tensor = Get(name);
        // Every element is overwritten, so the runtime need not zero the (often hundreds of MB) array first.
        float[] values = GC.AllocateUninitializedArray<float>(checked((int)tensor.ElementCount));
        ReadFloat32(name, values);
        return values;
    }

    /// <summary>
    /// Converts tensor <paramref name="name"/> to float32 directly from the mapped file into
    /// <paramref name="destination"/>, which must hold exactly its element count.
    /// </summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafetensorsTensorInfo tensor = Get(name);
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"tensor {tensor} has {tensor.ElementCount} values, the destination {destination.Length}", nameof(destination));
        SafetensorsDtype dtype = ParseFloatDtype(tensor);

        int elementBytes = dtype == SafetensorsDtype.F32 ? 4 : 2;
        // Chunks keep every span under 2 GB even for tensors whose bytes exceed int.MaxValue.
        const int chunkElements = 1 << 24;
        for (int done = 0; done < destination.Length; done += chunkElements)
        {
            int count = Math.Min(chunkElements, destination.Length - done);
            ReadOnlySpan<byte> source = Bytes(_dataStart + tensor.DataBegin + (long)done * elementBytes, count * elementBytes);
            FloatConversion.ToFloat32(dtype, source, destination.Slice(done, count));
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private SafetensorsTensorInfo Get(string name) =>
        Tensors.TryGetValue(name, out SafetensorsTensorInfo? tensor) ? tensor : throw Problem($"tensor '{name}' is missing");

    private SafetensorsDtype ParseFloatDtype(SafetensorsTensorInfo tensor) => tensor.Dtype switch
    {
        "F32" => SafetensorsDtype.F32,
        "F16" => SafetensorsDtype.F16,
        "BF16" => SafetensorsDtype.BF16,
        _ => throw Problem($"tensor '{tensor.Name}' has dtype {tensor.Dtype}; only F32, F16 and BF16 can be read"),
    };

    private ModelFormatException Problem(string problem) => new(Path, problem);

    private (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> header, long dataBytes)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(header);
            document = JsonDocument.ParseValue(ref reader);
            // The format pads the header with spaces; anything else after the object is corruption.
            if (reader.Read()) throw new JsonException($"unexpected content after the header object at byte {reader.TokenStartIndex}");
        }
        catch (JsonException e)
        {
            throw Problem($"header is not valid JSON: {e.Message}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Problem($"header must be a JSON object, found {root.ValueKind}");

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in root.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    if (entry.Value.ValueKind != JsonValueKind.Object) throw Problem("__metadata__ must be a JSON object");
                    foreach (JsonProperty item in entry.Value.EnumerateObject())
                        metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
                    continue;
                }
                SafetensorsTensorInfo tensor = ParseTensor(entry, dataBytes);
                if (!tensors.TryAdd(tensor.Name, tensor)) throw Problem($"tensor '{tensor.Name}' appears twice in the header");
            }
            RejectOverlaps(tensors.Values);
            return (tensors, metadata);
        }
    }

    private SafetensorsTensorInfo ParseTensor(JsonProperty entry, long dataBytes)
    {
        string name = entry.Name;
        JsonElement value = entry.Value;
        if (value.ValueKind != JsonValueKind.Object) throw Problem($"tensor '{name}': header entry must be an object");

        string dtype = value.TryGetProperty("dtype", out JsonElement dtypeElement) && dtypeElement.ValueKind == JsonValueKind.String
            ? dtypeElement.GetString()!
            : throw Problem($"tensor '{name}': dtype is missing or not a string");
        long[] shape = ReadIntegers(name, value, "shape");
        long[] offsets = ReadIntegers(name, value, "data_offsets");
        if (offsets.Length != 2) throw Problem($"tensor '{name}': data_offsets must be [begin, end], found {offsets.Length} numbers");
        (long begin, long end) = (offsets[0], offsets[1]);

        if (end < begin) throw Problem($"tensor '{name}': data_offsets [{begin}, {end}] end before they begin");
        if (end > dataBytes)
            throw Problem($"tensor '{name}': data_offsets [{begin}, {end}] run past the end of the data section ({dataBytes} bytes); the file is truncated or corrupt");

        var tensor = new SafetensorsTensorInfo(name, dtype, shape, begin, end);
        if (DtypeBytes.TryGetValue(dtype, out int elementBytes))
        {
            long expectedBytes;
            try
            {
                expectedBytes = checked(shape.Aggregate(1L, (product, dimension) => checked(product * dimension)) * elementBytes);
            }
            catch (OverflowException)
            {
                throw Problem($"tensor '{name}': shape ({string.Join(", ", shape)}) is impossibly large");
            }
            if (expectedBytes != end - begin)
                throw Problem($"tensor '{name}': shape ({string.Join(", ", shape)}) of {dtype} needs {expectedBytes} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        }
        // An unknown dtype cannot be size-checked; it only matters if someone asks to read that tensor.
        return tensor;
    }

    private long[] ReadIntegers(string tensor, JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            throw Problem($"tensor '{tensor}': {field} is missing or not an array");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long number) || number < 0)
                throw Problem($"tensor '{tensor}': {field} must hold non-negative integers, found {item.GetRawText()}");
            values[i++] = number;
        }
        return values;
    }

    private void RejectOverlaps(IEnumerable<SafetensorsTensorInfo> tensors)
    {
        SafetensorsTensorInfo? previous = null;
        foreach (SafetensorsTensorInfo tensor in tensors.Where(t => t.DataEnd > t.DataBegin).OrderBy(t => t.DataBegin))
        {
            if (previous is not null && tensor.DataBegin < previous.DataEnd)
                throw Problem($"tensors '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd}] and '{tensor.Name}' [{tensor.DataBegin}, {tensor.DataEnd}] overlap");
            previous = tensor;
        }
    }

    // The only unsafe code: the mapped view is native memory, and a span over it is what lets conversion run from
    // the page cache into the destination array without an intermediate managed copy.
    private static unsafe nint AcquireViewPointer(MemoryMappedViewAccessor view)
    {
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        return (nint)(pointer + view.PointerOffset);
    }

    private unsafe ReadOnlySpan<byte> Bytes(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > FileBytes) throw new ArgumentOutOfRangeException(nameof(offset));
        return new ReadOnlySpan<byte>((byte*)_fileStart + offset, length);
    }
}

/// <summary>float32 ⇄ F16/BF16 conversions over spans of little-endian bytes, vectorized where the library is.</summary>
internal static class FloatConversion
{
    public static void ToFloat32(SafetensorsDtype dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafetensorsDtype.F16:
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case SafetensorsDtype.BF16:
                // bfloat16 is the top half of a float32: widen each 16-bit pattern and shift it into place.
                Span<uint> bits = MemoryMarshal.Cast<float, uint>(destination);
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, ushort>(source), bits);
                System.Numerics.Tensors.TensorPrimitives.ShiftLeft(bits, 16, bits);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    /// <summary>Writes float32 values as <paramref name="dtype"/>; F16 and BF16 round to nearest, ties to even.</summary>
    public static void FromFloat32(SafetensorsDtype dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case SafetensorsDtype.F16:
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(source, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case SafetensorsDtype.BF16:
                Span<ushort> halves = MemoryMarshal.Cast<byte, ushort>(destination);
                for (int i = 0; i < source.Length; i++) halves[i] = ToBFloat16(source[i]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }

    public static int ElementBytes(SafetensorsDtype dtype) => dtype == SafetensorsDtype.F32 ? 4 : 2;

    private static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        // Rounding could carry a NaN's payload into the exponent; keep it a (quiet) NaN instead.
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
