// The --tokens parser: comma-separated ids with optional spaces, and a message naming any entry that is not one.
using Playground.App.Cli;

namespace Playground.App.Tests.Cli;

public sealed class TokenListTests
{
    [Theory]
    [InlineData("15496,995", new[] { 15496, 995 })]
    [InlineData(" 1 , 2,3 ", new[] { 1, 2, 3 })]
    [InlineData("0", new[] { 0 })]
    [InlineData("007", new[] { 7 })]
    public void Ids_are_read_in_order_and_spaces_around_them_are_ignored(string text, int[] expected) =>
        Assert.Equal(expected, TokenList.Parse(text));

    [Theory]
    [InlineData("", "''")]
    [InlineData("1,,2", "''")]
    [InlineData("1,", "''")]
    [InlineData("-1", "'-1'")]
    [InlineData("+1", "'+1'")]
    [InlineData("1 2", "'1 2'")]
    [InlineData("1;2", "'1;2'")]
    [InlineData("0x10", "'0x10'")]
    [InlineData("2147483648", "'2147483648'")]
    public void An_entry_that_is_not_an_id_is_named(string text, string quotedEntry)
    {
        var error = Assert.Throws<FormatException>(() => TokenList.Parse(text));
        Assert.Contains($"--tokens: {quotedEntry} is not a token id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_checked_against_the_vocabulary()
    {
        TokenList.Validate([0, 255], vocabSize: 256);
        var error = Assert.Throws<FormatException>(() => TokenList.Validate([3, 256], vocabSize: 256));
        Assert.Contains("token 256 is outside the vocabulary of 256", error.Message, StringComparison.Ordinal);
    }
}
