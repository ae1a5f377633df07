// The contract shared by the CPU reference and the GPU runner: feed tokens, keep a KV cache, return logits.
namespace Playground.Model;

/// <summary>
/// Runs a GPT-2 forward pass over a growing sequence. Each call appends its tokens at positions
/// <see cref="Position"/>.. and keeps their keys and values in a cache, so a prompt (prefill) and single
/// tokens (decode) go through the same entry point.
/// </summary>
public interface IGptRunner : IDisposable
{
    GptConfig Config { get; }

    /// <summary>Short name shown to users: "cpu" or "gpu".</summary>
    string Backend { get; }

    /// <summary>Number of tokens already in the KV cache.</summary>
    int Position { get; }

    /// <summary>Empties the KV cache.</summary>
    void Reset();

    /// <summary>
    /// Runs <paramref name="tokens"/> at positions Position..Position+n-1 and appends them to the cache.
    /// Returns logits (n, V) when <paramref name="allPositions"/>, else the logits (V) of the last token.
    /// Throws <see cref="ContextFullException"/> if the tokens would pass n_positions.
    /// </summary>
    float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false);
}

/// <summary>Thrown when a forward pass would run past the model's n_positions.</summary>
public sealed class ContextFullException : Exception
{
    public ContextFullException(int position, int count, int nPositions)
        : base($"context is full: {position} tokens + {count} more would pass n_positions={nPositions}") { }

    public ContextFullException() { }
    public ContextFullException(string message) : base(message) { }
    public ContextFullException(string message, Exception inner) : base(message, inner) { }
}
