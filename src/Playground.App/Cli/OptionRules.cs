// Parse-time rules shared by options, so that values no command can use fail as usage errors, not deep in a file API.
using System.CommandLine;

namespace Playground.App.Cli;

internal static class OptionRules
{
    /// <summary>
    /// Rejects an empty or blank value: a path of "" reaches Path.GetFullPath and fails there with a stack trace
    /// instead of a message.
    /// </summary>
    public static TOption NotBlank<TOption>(this TOption option) where TOption : Option
    {
        ArgumentNullException.ThrowIfNull(option);
        option.Validators.Add(result =>
        {
            // The raw tokens, not the value: converting here would throw when the option was given twice.
            if (result.Tokens.Any(token => string.IsNullOrWhiteSpace(token.Value)))
                result.AddError($"{option.Name} must not be empty");
        });
        return option;
    }
}
