// Reading training text: the messages for bad input, joining files, and the train/validation split.
using System.Text;
using Playground.Model.Tests.IO;
using Playground.Model.Training;

namespace Playground.Model.Tests.Training;

public sealed class TextCorpusTests : IDisposable
{
    private readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string Write(string name, byte[] bytes)
    {
        string path = folder.Combine(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_missing_file_is_named_in_the_message()
    {
        string path = folder.Combine("nope.txt");

        var e = Assert.Throws<TrainingDataException>(() => TextCorpus.Load([path]));

        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void An_empty_file_is_refused()
    {
        string ok = Write("ok.txt", "text"u8.ToArray());
        string empty = Write("empty.txt", []);

        var e = Assert.Throws<TrainingDataException>(() => TextCorpus.Load([ok, empty]));

        Assert.Equal($"{empty}: is empty", e.Message);
    }

    [Fact]
    public void A_binary_file_is_refused_with_the_offset_of_its_first_NUL_byte()
    {
        string path = Write("model.bin", [(byte)'a', (byte)'b', 0, 7, 200]);

        var e = Assert.Throws<TrainingDataException>(() => TextCorpus.Load([path]));

        Assert.Equal($"{path}: looks like a binary file (a NUL byte at offset 2); training needs UTF-8 text", e.Message);
    }

    [Fact]
    public void Text_that_is_not_UTF8_is_refused_with_the_offset_of_the_bad_byte()
    {
        // "café" in Latin-1: é is the single byte 0xE9, which UTF-8 only allows as the start of a 3-byte sequence.
        byte[] latin1 = [.. "caf"u8, 0xE9, .. " au lait"u8];
        string path = Write("latin1.txt", latin1);

        var e = Assert.Throws<TrainingDataException>(() => TextCorpus.Load([path]));

        Assert.StartsWith($"{path}: is not UTF-8 text (invalid byte 0xE9 at offset 3)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_and_an_empty_file_list_are_refused()
    {
        Assert.Equal($"{folder.Path}: is a folder, not a text file", Assert.Throws<TrainingDataException>(() => TextCorpus.Load([folder.Path])).Message);
        Assert.Contains("--data", Assert.Throws<TrainingDataException>(() => TextCorpus.Load([])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_are_joined_in_order_with_a_newline_where_one_is_missing()
    {
        string a = Write("a.txt", "first"u8.ToArray());
        string b = Write("b.txt", "second\n"u8.ToArray());
        string c = Write("c.txt", "Grüße"u8.ToArray());

        TextCorpus corpus = TextCorpus.Load([a, b, c]);

        Assert.Equal("first\nsecond\nGrüße", Encoding.UTF8.GetString(corpus.Bytes.Span));
        Assert.Equal([a, b, c], corpus.Files);
    }

    [Fact]
    public void The_last_tenth_is_held_out_for_validation()
    {
        TextCorpus corpus = TextCorpus.FromText(new string('x', 1000));

        (ReadOnlyMemory<byte> train, ReadOnlyMemory<byte> validation) = corpus.Split(context: 16);

        Assert.Equal(900, train.Length);
        Assert.Equal(100, validation.Length);
    }

    [Fact]
    public void Validation_keeps_at_least_one_sequence_when_a_tenth_is_too_short()
    {
        TextCorpus corpus = TextCorpus.FromText(new string('x', 1000));

        (ReadOnlyMemory<byte> train, ReadOnlyMemory<byte> validation) = corpus.Split(context: 200);

        Assert.Equal(201, validation.Length);
        Assert.Equal(799, train.Length);
    }

    [Fact]
    public void A_context_larger_than_the_data_says_how_much_text_it_needs()
    {
        TextCorpus corpus = TextCorpus.FromText(new string('x', 300), "tiny.txt");

        var e = Assert.Throws<TrainingDataException>(() => corpus.Split(context: 256));

        Assert.Equal(
            "tiny.txt: 300 bytes of text is too little for --ctx 256: training and validation each need at least 257 bytes " +
            "(one sequence plus the byte it predicts), so at least 514 bytes in all; use more text or a smaller --ctx", e.Message);
    }

    [Fact]
    public void The_fingerprint_depends_on_the_bytes_only()
    {
        string a = Write("a.txt", "same text"u8.ToArray());

        Assert.Equal(TextCorpus.FromText("same text").Fingerprint, TextCorpus.Load([a]).Fingerprint);
        Assert.NotEqual(TextCorpus.FromText("same text").Fingerprint, TextCorpus.FromText("same text!").Fingerprint);
    }
}
