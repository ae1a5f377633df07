// The keys and values of every position run so far, per layer, so a new token need not recompute them.
namespace Playground.Model.Reference;

/// <summary>
/// Per layer, a key and a value array of shape (capacity, C), filled from position 0 up to
/// <see cref="Length"/>. Rows at or past Length hold stale data that attention never reads.
/// </summary>
public sealed class KvCache
{
    private readonly float[][] keys;
    private readonly float[][] values;

    public KvCache(int layers, int capacity, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Capacity = capacity;
        Channels = channels;
        keys = new float[layers][];
        values = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            keys[l] = new float[(long)capacity * channels];
            values[l] = new float[(long)capacity * channels];
        }
    }

    /// <summary>Number of positions the cache can hold (n_positions).</summary>
    public int Capacity { get; }

    /// <summary>Channels per position (C).</summary>
    public int Channels { get; }

    /// <summary>Positions 0..Length-1 are filled.</summary>
    public int Length { get; private set; }

    /// <summary>Keys of one layer, (Capacity, C).</summary>
    public float[] Keys(int layer) => keys[layer];

    /// <summary>Values of one layer, (Capacity, C).</summary>
    public float[] Values(int layer) => values[layer];

    /// <summary>Marks <paramref name="count"/> more positions as filled, after every layer has written them.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity - Length);
        Length += count;
    }

    /// <summary>Forgets every position; the arrays are left as they are since nothing past Length is read.</summary>
    public void Clear() => Length = 0;
}
