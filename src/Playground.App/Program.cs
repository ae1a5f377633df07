// Entry point of the `playground` executable.
namespace Playground.App;

internal static class Program
{
    private static int Main(string[] args) => Cli.CliApp.Run(args);
}
