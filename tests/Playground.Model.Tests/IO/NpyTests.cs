// Tests for the .npy writer and reader against the format specification (numpy/lib/format.py, version 1.0).
using System.Buffers.Binary;
using System.Text;
using Playground.Model.IO;

namespace Playground.Model.Tests.IO;

public sealed class NpyTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public sealed record ShapeCase(int[] Shape, string PythonTuple)
    {
        public override string ToString() => $"shape {PythonTuple}";
    }

    // The tuples as Python's repr writes them, which is what numpy puts in the header.
    public static TheoryData<ShapeCase> Shapes => new()
    {
        new ShapeCase([2, 3], "(2, 3)"),
        new ShapeCase([5], "(5,)"),
        new ShapeCase([], "()"),
        new ShapeCase([2, 1, 4], "(2, 1, 4)"),
        new ShapeCase([0, 7], "(0, 7)"),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Header_follows_the_version_1_0_layout(ShapeCase shapeCase)
    {
        float[] data = Values(shapeCase.Shape);
        string path = _folder.Combine("a.npy");
        NpyWriter.WriteFloat32(path, data, shapeCase.Shape);
        byte[] bytes = File.ReadAllBytes(path);

        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, bytes[..8]);
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.EndsWith("\n", header, StringComparison.Ordinal);
        Assert.Equal($"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeCase.PythonTuple}, }}", header.TrimEnd('\n').TrimEnd(' '));

        byte[] body = bytes[(10 + headerLength)..];
        Assert.Equal(data.Length * 4, body.Length);
        for (int i = 0; i < data.Length; i++) Assert.Equal(data[i], BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(4 * i)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reader_returns_what_the_writer_wrote(ShapeCase shapeCase)
    {
        float[] data = Values(shapeCase.Shape);
        string path = _folder.Combine("a.npy");
        NpyWriter.WriteFloat32(path, data, shapeCase.Shape);

        (float[] readData, int[] readShape) = NpyReader.ReadFloat32(path);

        Assert.Equal(shapeCase.Shape, readShape);
        Assert.Equal(data, readData);
    }

    [Fact]
    public void Data_that_does_not_fill_the_shape_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => NpyWriter.WriteFloat32(_folder.Combine("a.npy"), new float[5], [2, 3]));
        Assert.False(File.Exists(_folder.Combine("a.npy")));
    }

    [Fact]
    public void Writing_leaves_no_temporary_files()
    {
        NpyWriter.WriteFloat32(_folder.Combine("a.npy"), [1f, 2f], [2]);
        NpyWriter.WriteFloat32(_folder.Combine("a.npy"), [3f], [1]);

        Assert.Equal(["a.npy"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
        Assert.Equal([3f], NpyReader.ReadFloat32(_folder.Combine("a.npy")).Data);
    }

    [Fact]
    public void Reader_rejects_a_file_that_is_not_npy()
    {
        string path = _folder.Combine("b.npy");
        File.WriteAllText(path, "not numpy at all");

        var error = Assert.Throws<ModelFormatException>(() => NpyReader.ReadFloat32(path));

        Assert.Contains("b.npy", error.Message, StringComparison.Ordinal);
        Assert.Contains("magic", error.Message, StringComparison.Ordinal);
    }

    private static float[] Values(int[] shape)
    {
        int count = shape.Aggregate(1, (product, d) => product * d);
        return Enumerable.Range(0, count).Select(i => (i - 3.25f) / 7f).ToArray();
    }
}
