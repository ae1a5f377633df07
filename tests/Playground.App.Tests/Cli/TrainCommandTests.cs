// `playground train` through the CLI: bad data gets one line and exit 2, and a short run writes a loadable model.
namespace Playground.App.Tests.Cli;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "playground-train-" + Guid.NewGuid().ToString("N"));

    public TrainCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name, byte[] content)
    {
        string path = Path.Combine(_folder, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private static readonly string[] Tiny = ["--layers", "1", "--heads", "2", "--embd", "16", "--ctx", "16", "--short-ctx", "8", "--batch", "2", "--eval-every", "2", "--eval-batches", "1"];

    public static TheoryData<string, string> BadData() => new()
    {
        { "missing", "file not found" },
        { "empty", "is empty" },
        { "binary", "looks like a binary file" },
        { "short", "too little for --ctx 16" },
    };

    [Theory]
    [MemberData(nameof(BadData))]
    public void Bad_data_exits_2_with_one_line(string kind, string expected)
    {
        string path = kind switch
        {
            "missing" => Path.Combine(_folder, "nope.txt"),
            "empty" => File("empty.txt", []),
            "binary" => File("binary.bin", [0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]),
            _ => File("short.txt", "In the beginning"u8.ToArray()),
        };
        var r = CliRun.Run(["train", "--data", path, "--out", Path.Combine(_folder, "run"), "--steps", "2", .. Tiny]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_short_run_writes_a_checkpoint_that_generate_loads()
    {
        string text = string.Concat(Enumerable.Repeat("In the beginning God created the heaven and the earth. ", 40));
        string data = File("text.txt", System.Text.Encoding.UTF8.GetBytes(text));
        string run = Path.Combine(_folder, "run");
        var r = CliRun.Run(["train", "--data", data, "--out", run, "--steps", "4", .. Tiny]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(System.IO.File.Exists(Path.Combine(run, "loss.png")));
        var g = CliRun.Run("generate", "--model", run, "--prompt", "In", "-n", "5", "--backend", "gpu");
        Assert.True(g.ExitCode == 0, g.ToString());
    }
}
