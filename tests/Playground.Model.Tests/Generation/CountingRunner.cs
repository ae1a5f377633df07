// A fake IGptRunner whose next token is always the last token plus one, so generation outcomes are known in advance.
using Playground.Model;

namespace Playground.Model.Tests.Generation;

/// <summary>
/// Predicts (last token + 1) mod V with certainty and records every Forward call. It enforces the
/// IGptRunner contract strictly, so a generator that runs past the context fails loudly.
/// </summary>
internal sealed class CountingRunner(int nPositions, int vocabSize = 50) : IGptRunner
{
    public GptConfig Config { get; } = new(NLayer: 1, NHead: 1, NEmbd: 4, NPositions: nPositions, VocabSize: vocabSize);

    public string Backend => "counting";

    public int Position { get; private set; }

    /// <summary>Number of tokens in each Forward call, in order.</summary>
    public List<int> CallSizes { get; } = [];

    public void Reset() => Position = 0;

    public float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false)
    {
        if (Position + tokens.Length > Config.NPositions)
        {
            throw new ContextFullException(Position, tokens.Length, Config.NPositions);
        }
        CallSizes.Add(tokens.Length);
        Position += tokens.Length;
        var logits = new float[Config.VocabSize];
        logits[(tokens[^1] + 1) % Config.VocabSize] = 10f;
        return logits;
    }

    public void Dispose()
    {
    }
}
