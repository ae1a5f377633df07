// The figures the overlay shows, kept over a sliding window: frames/s, ms per token, GPU milliseconds per pass.
using Playground.Gpu.Gl;

namespace Playground.App.Realtime;

/// <summary>Frames per second over the last second of frame times.</summary>
public sealed class FrameRate
{
    private readonly Queue<double> frames = new();
    private readonly double windowSeconds;

    public FrameRate(double windowSeconds = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSeconds);
        this.windowSeconds = windowSeconds;
    }

    /// <summary>Frames per second, or 0 until two frames have been seen.</summary>
    public double PerSecond { get; private set; }

    /// <summary>Records a frame presented at <paramref name="seconds"/> (a monotonic clock).</summary>
    public void Frame(double seconds)
    {
        frames.Enqueue(seconds);
        while (frames.Count > 2 && seconds - frames.Peek() > windowSeconds)
        {
            frames.Dequeue();
        }

        var span = seconds - frames.Peek();
        PerSecond = frames.Count >= 2 && span > 0 ? (frames.Count - 1) / span : 0;
    }

    public void Clear()
    {
        frames.Clear();
        PerSecond = 0;
    }
}

/// <summary>The wall time of the last decode steps, for the graph and for tokens/s.</summary>
public sealed class TokenTimes
{
    private readonly double[] ring;
    private int next;
    private long totalSteps;
    private double totalMilliseconds;

    public TokenTimes(int capacity = 300)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ring = new double[capacity];
    }

    public int Capacity => ring.Length;

    /// <summary>Steps remembered, up to <see cref="Capacity"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The remembered step times in milliseconds, oldest first.</summary>
    public IEnumerable<double> Milliseconds
    {
        get
        {
            var start = Count < ring.Length ? 0 : next;
            for (var i = 0; i < Count; i++)
            {
                yield return ring[(start + i) % ring.Length];
            }
        }
    }

    /// <summary>Decode tokens per second over every step since the last <see cref="Clear"/>.</summary>
    public double OverallTokensPerSecond => totalMilliseconds > 0 ? totalSteps * 1000.0 / totalMilliseconds : 0;

    public void Add(double milliseconds)
    {
        totalSteps++;
        totalMilliseconds += milliseconds;
        ring[next] = milliseconds;
        next = (next + 1) % ring.Length;
        Count = Math.Min(Count + 1, ring.Length);
    }

    /// <summary>Decode tokens per second over the last <paramref name="steps"/> steps (0 before any).</summary>
    public double TokensPerSecond(int steps = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var recent = Milliseconds.Skip(Math.Max(0, Count - steps)).ToArray();
        var total = recent.Sum();
        return recent.Length == 0 || total <= 0 ? 0 : recent.Length * 1000.0 / total;
    }

    public void Clear()
    {
        next = 0;
        Count = 0;
        totalSteps = 0;
        totalMilliseconds = 0;
    }
}

/// <summary>
/// GPU milliseconds per token for each pass kind, smoothed over decode steps (one token each) so that the bars do
/// not flicker. Until a decode step has been timed, a prefill's times divided by its tokens stand in.
/// </summary>
public sealed class PassBars
{
    private const double Smoothing = 0.15;
    private readonly Dictionary<PassKind, double> perToken = [];
    private bool fromDecode;

    /// <summary>Smoothed milliseconds per token by pass kind; empty before any timings.</summary>
    public IReadOnlyDictionary<PassKind, double> MillisecondsPerToken => perToken;

    /// <summary>Sum of the passes: the GPU's milliseconds per token.</summary>
    public double Total => perToken.Values.Sum();

    public void Add(PassTimings timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        if (timings.Tokens <= 0)
        {
            return;
        }

        var isDecode = timings.Tokens == 1;
        if (!isDecode && fromDecode)
        {
            return; // A later prefill says little about decoding.
        }

        // The first decode step replaces prefill figures rather than blending with them.
        var blend = isDecode == fromDecode && perToken.Count > 0;
        fromDecode |= isDecode;
        foreach (var kind in Enum.GetValues<PassKind>())
        {
            var value = timings.Milliseconds.GetValueOrDefault(kind) / timings.Tokens;
            perToken[kind] = blend ? perToken[kind] + (Smoothing * (value - perToken[kind])) : value;
        }
    }

    public void Clear()
    {
        perToken.Clear();
        fromDecode = false;
    }
}
