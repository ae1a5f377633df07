// Parses the --tokens option: comma-separated token ids.
using System.Globalization;

namespace Playground.App.Cli;

public static class TokenList
{
    /// <summary>Parses "1,2,3" (spaces allowed); throws FormatException naming the bad entry.</summary>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw new FormatException($"--tokens: '{part}' is not a token id (expected comma-separated non-negative integers)");
            ids.Add(id);
        }
        return [.. ids];
    }

    /// <summary>Checks ids against the vocabulary, so a bad id is a clear error and not an index fault.</summary>
    public static void Validate(ReadOnlySpan<int> ids, int vocabSize)
    {
        if (ids.IsEmpty) throw new FormatException("no tokens given");
        foreach (int id in ids)
        {
            if (id >= vocabSize) throw new FormatException($"token {id} is outside the vocabulary of {vocabSize}");
        }
    }
}
