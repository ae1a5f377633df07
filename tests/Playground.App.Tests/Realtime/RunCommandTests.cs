// `playground run` refuses bad input with an error line and exit code 2, before any window opens (no display needed).
using Playground.App.Tests.Cli;

namespace Playground.App.Tests.Realtime;

public sealed class RunCommandTests
{
    public sealed record Case(string Name, string[] Args, string Message)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> Cases() =>
    [
        new("screenshot without frames", ["--screenshot", "x.png"], "error: --screenshot and --until-done need --frames N"),
        new("until-done without frames", ["--until-done"], "error: --screenshot and --until-done need --frames N"),
        new("zero frames", ["--frames", "0"], "error: --frames must be positive"),
        new("negative max tokens", ["--max-tokens", "-1"], "error: --max-tokens must not be negative"),
        new("top-p above 1", ["--top-p", "1.5"], "error: top-p must be in (0, 1]; 1 turns it off"),
        new("prompt longer than the context", ["--prompt", new string('a', 65)], "error: context is full: 0 tokens + 65 more would pass n_positions=64"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Bad_input_fails_with_exit_code_2_before_any_window_opens(Case c)
    {
        using var model = TempModel.Small();
        var result = CliRun.Run(["run", "--model", model.Folder, .. c.Args]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith(c.Message, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Stdout);
    }
}
