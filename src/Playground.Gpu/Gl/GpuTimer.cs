// Per-pass GPU timings from GL_TIMESTAMP query pairs, read back frames later so the pipeline never stalls.
using Silk.NET.OpenGL;

namespace Playground.Gpu.Gl;

/// <summary>The kinds of pass that timings are grouped by.</summary>
public enum PassKind { Embed, LayerNorm, Qkv, Attention, Proj, Mlp, LmHead }

/// <summary>Milliseconds per pass kind for one forward call, and how many tokens it processed.</summary>
public sealed record PassTimings(IReadOnlyDictionary<PassKind, double> Milliseconds, int Tokens)
{
    public double TotalMs => Milliseconds.Values.Sum();
}

/// <summary>
/// Records a timestamp before the first pass and after each pass of a forward call ("frame"), then reads the
/// results back only once the driver says they are available, a frame or more later. GL_TIME_ELAPSED is not
/// used because llvmpipe returns 0 for it, while timestamp pairs give real times there too.
/// </summary>
public sealed class GpuTimer : IDisposable
{
    private sealed class Frame
    {
        public readonly List<(uint Query, PassKind Kind)> Marks = [];
        public uint StartQuery;
        public int Tokens;
    }

    private readonly GL _gl;
    private readonly Queue<uint> _freeQueries = new();
    private readonly Queue<Frame> _pending = new();
    private readonly List<uint> _allQueries = [];
    private Frame? _current;
    private readonly int _maxPendingFrames;

    public GpuTimer(GL gl, int maxPendingFrames = 8)
    {
        ArgumentNullException.ThrowIfNull(gl);
        _gl = gl;
        _maxPendingFrames = maxPendingFrames;
    }

    /// <summary>Raised on the GL thread when a frame's results arrive.</summary>
    public event Action<PassTimings>? Completed;

    /// <summary>The newest completed frame, or null before any.</summary>
    public PassTimings? Latest { get; private set; }

    public bool Enabled { get; set; } = true;

    public void BeginFrame(int tokens)
    {
        if (!Enabled) return;
        Poll();
        // When the reader falls far behind, drop the oldest frame rather than grow without bound.
        while (_pending.Count >= _maxPendingFrames) Recycle(_pending.Dequeue());
        _current = new Frame { StartQuery = Stamp(), Tokens = tokens };
    }

    public void Mark(PassKind kind)
    {
        if (_current is null) return;
        _current.Marks.Add((Stamp(), kind));
    }

    public void EndFrame()
    {
        if (_current is null) return;
        _pending.Enqueue(_current);
        _current = null;
    }

    /// <summary>Collects every finished frame without waiting; with <paramref name="wait"/>, waits for all of them (benchmarks only).</summary>
    public void Poll(bool wait = false)
    {
        while (_pending.Count > 0)
        {
            Frame frame = _pending.Peek();
            uint last = frame.Marks.Count > 0 ? frame.Marks[^1].Query : frame.StartQuery;
            if (!wait)
            {
                _gl.GetQueryObject(last, QueryObjectParameterName.ResultAvailable, out int available);
                if (available == 0) return;
            }
            _pending.Dequeue();
            var sums = new Dictionary<PassKind, double>();
            _gl.GetQueryObject(frame.StartQuery, QueryObjectParameterName.Result, out ulong previous);
            foreach (var (query, kind) in frame.Marks)
            {
                _gl.GetQueryObject(query, QueryObjectParameterName.Result, out ulong now);
                sums[kind] = sums.GetValueOrDefault(kind) + (now - previous) / 1e6;
                previous = now;
            }
            Recycle(frame);
            Latest = new PassTimings(sums, frame.Tokens);
            Completed?.Invoke(Latest);
        }
    }

    private uint Stamp()
    {
        uint query;
        if (_freeQueries.Count > 0) query = _freeQueries.Dequeue();
        else
        {
            query = _gl.GenQuery();
            _allQueries.Add(query);
        }
        _gl.QueryCounter(query, QueryCounterTarget.Timestamp);
        return query;
    }

    private void Recycle(Frame frame)
    {
        _freeQueries.Enqueue(frame.StartQuery);
        foreach (var (query, _) in frame.Marks) _freeQueries.Enqueue(query);
    }

    public void Dispose()
    {
        foreach (uint q in _allQueries) _gl.DeleteQuery(q);
        _allQueries.Clear();
    }
}
