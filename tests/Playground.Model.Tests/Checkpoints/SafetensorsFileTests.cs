// Tests for the safetensors reader and writer: conversions, round trips and every malformed-file check.
using System.Buffers.Binary;
using Playground.Model.Checkpoints;
using Playground.Model.Tests.IO;

namespace Playground.Model.Tests.Checkpoints;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string PathOf(string name = "model.safetensors") => _folder.Combine(name);

    // 1037 values: enough for every vector width plus a ragged tail.
    private static float[] SampleValues(int count = 1037, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-12, 12)))).ToArray();
    }

    [Fact]
    public void F32_tensors_round_trip_exactly_with_shapes_and_metadata()
    {
        float[] a = SampleValues(), b = [1f, -2f, 3.5f, float.MaxValue, float.Epsilon, -0f];
        SafetensorsWriter.Write(PathOf(), [new SafetensorsTensor("a", [17, 61], a), new SafetensorsTensor("b", [2, 3], b)],
            metadata: new Dictionary<string, string> { ["format"] = "pt" });

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal(a, file.ReadFloat32("a"));
        Assert.Equal(b, file.ReadFloat32("b"));
        Assert.Equal([17L, 61L], file.Tensors["a"].Shape);
        Assert.Equal("F32", file.Tensors["b"].Dtype);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new FileInfo(PathOf()).Length, file.FileBytes);
    }

    [Fact]
    public void Written_data_starts_8_byte_aligned()
    {
        SafetensorsWriter.Write(PathOf(), [new SafetensorsTensor("x", [3], new float[] { 1, 2, 3 })]);
        byte[] bytes = File.ReadAllBytes(PathOf());

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 12, bytes.Length);
        Assert.Equal(3f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)headerLength + 8)));
    }

    [Fact]
    public void F16_data_converts_like_System_Half()
    {
        float[] values = SampleValues();
        byte[] data = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2 * i), (Half)values[i]);
        RawSafetensors.Write(PathOf(), $$$"""{"h":{"dtype":"F16","shape":[{{{values.Length}}}],"data_offsets":[0,{{{data.Length}}}]}}""", data);

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal(values.Select(v => (float)(Half)v), file.ReadFloat32("h"));
    }

    [Fact]
    public void BF16_data_converts_to_the_float32_with_the_same_top_16_bits()
    {
        // Masking off the low 16 bits gives floats that bfloat16 represents exactly.
        float[] expected = SampleValues().Select(v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000)).ToArray();
        byte[] data = new byte[expected.Length * 2];
        for (int i = 0; i < expected.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(expected[i]) >> 16));
        RawSafetensors.Write(PathOf(), $$$"""{"b":{"dtype":"BF16","shape":[{{{expected.Length}}}],"data_offsets":[0,{{{data.Length}}}]}}""", data);

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal(expected, file.ReadFloat32("b"));
    }

    [Fact]
    public void F16_writer_rounds_like_System_Half()
    {
        float[] values = SampleValues();
        SafetensorsWriter.Write(PathOf(), [new SafetensorsTensor("h", [values.Length], values)], SafetensorsDtype.F16);

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal("F16", file.Tensors["h"].Dtype);
        Assert.Equal(values.Select(v => (float)(Half)v), file.ReadFloat32("h"));
    }

    [Fact]
    public void BF16_writer_rounds_to_nearest_with_ties_to_even()
    {
        // bfloat16 keeps 7 mantissa bits, so near 1 its spacing is 2^-7.
        float[] values = [1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8), 1f + MathF.Pow(2, -8) + MathF.Pow(2, -20), -2.5f];
        float[] expected = [1f, 1f + MathF.Pow(2, -6), 1f + MathF.Pow(2, -7), -2.5f];
        SafetensorsWriter.Write(PathOf(), [new SafetensorsTensor("b", [values.Length], values)], SafetensorsDtype.BF16);

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal(expected, file.ReadFloat32("b"));
    }

    [Fact]
    public void A_tensor_of_unknown_dtype_that_is_never_read_is_fine()
    {
        RawSafetensors.Write(PathOf(),
            """{"weird":{"dtype":"Q4_SOMETHING","shape":[3],"data_offsets":[0,2]},"w":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}""",
            [0xAB, 0xCD, .. RawSafetensors.Float32Bytes(4f, 5f)]);

        using var file = SafetensorsFile.Open(PathOf());

        Assert.Equal([4f, 5f], file.ReadFloat32("w"));
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        AssertRejected(() => SafetensorsFile.Open(PathOf("absent.safetensors")), "absent.safetensors", "not found");
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_reported_as_truncated()
    {
        File.WriteAllBytes(PathOf(), [1, 2, 3, 4, 5]);
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "model.safetensors", "too short");
    }

    [Fact]
    public void Header_longer_than_the_file_is_reported_as_truncated()
    {
        RawSafetensors.Write(PathOf(), """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", [], declaredHeaderLength: 1000);
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "model.safetensors", "truncated");
    }

    [Theory]
    [InlineData(200_000_000UL)]
    [InlineData(ulong.MaxValue)]
    public void Absurd_header_length_is_reported(ulong declared)
    {
        RawSafetensors.Write(PathOf(), "{}", [], declaredHeaderLength: declared);
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "model.safetensors", "absurd");
    }

    [Fact]
    public void Invalid_json_header_is_reported()
    {
        RawSafetensors.Write(PathOf(), """{"a":{"dtype":"F32",""", []);
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "model.safetensors", "not valid JSON");
    }

    [Fact]
    public void Data_offsets_past_the_end_of_the_file_are_reported()
    {
        RawSafetensors.Write(PathOf(), """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", RawSafetensors.Float32Bytes(1, 2));
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "'a'", "run past the end");
    }

    [Fact]
    public void Data_offsets_that_end_before_they_begin_are_reported()
    {
        RawSafetensors.Write(PathOf(), """{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", RawSafetensors.Float32Bytes(1, 2, 3));
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "'a'", "end before they begin");
    }

    [Fact]
    public void Byte_count_that_does_not_match_the_shape_is_reported()
    {
        RawSafetensors.Write(PathOf(), """{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", RawSafetensors.Float32Bytes(1, 2, 3));
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "'a'", "needs 16 bytes");
    }

    [Fact]
    public void Overlapping_tensors_are_reported()
    {
        RawSafetensors.Write(PathOf(),
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            RawSafetensors.Float32Bytes(1, 2, 3));
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "model.safetensors", "overlap");
    }

    [Fact]
    public void A_tensor_listed_twice_is_reported()
    {
        RawSafetensors.Write(PathOf(),
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""",
            RawSafetensors.Float32Bytes(1, 2));
        AssertRejected(() => SafetensorsFile.Open(PathOf()), "'a'", "twice");
    }

    [Fact]
    public void Reading_a_tensor_of_unsupported_dtype_is_reported()
    {
        RawSafetensors.Write(PathOf(), """{"ids":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}""", new byte[16]);
        using var file = SafetensorsFile.Open(PathOf());

        AssertRejected(() => file.ReadFloat32("ids"), "model.safetensors", "dtype I64");
    }

    [Fact]
    public void Reading_a_missing_tensor_is_reported()
    {
        SafetensorsWriter.Write(PathOf(), [new SafetensorsTensor("present", [1], new float[] { 1 })]);
        using var file = SafetensorsFile.Open(PathOf());

        AssertRejected(() => file.ReadFloat32("absent"), "model.safetensors", "'absent' is missing");
    }

    private static void AssertRejected(Action action, string namedInMessage, string problem)
    {
        var error = Assert.Throws<ModelFormatException>(action);
        Assert.Contains(namedInMessage, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
