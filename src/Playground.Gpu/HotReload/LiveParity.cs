// Checks the GPU's logits against the CPU reference in the background, while the GPU keeps generating.
using System.Globalization;
using Playground.Model;
using Playground.Model.Numerics;
using Playground.Model.Reference;

namespace Playground.Gpu.HotReload;

public enum ParityState
{
    /// <summary>No verdict for the shaders in use yet: nothing checked, or a check after a reload is under way.</summary>
    Pending,
    Ok,
    Failed,
}

/// <summary>
/// The latest verdict, immutable so that the GL thread reads it whole while the worker replaces it.
/// After a reload the state is Pending and the numbers are those of the previous verdict.
/// </summary>
/// <param name="MaxAbs">Largest |gpu - cpu| over the vocabulary.</param>
/// <param name="Bound">The bound it was held to: RelativeBound x <paramref name="MaxLogit"/>.</param>
/// <param name="MaxLogit">Largest |logit| of the CPU reference.</param>
/// <param name="Position">Context length of the step checked; its logits predict the token at this position.</param>
/// <param name="ShaderGeneration">The reload generation (<see cref="ShaderReloader.Generation"/>) whose shaders made the GPU logits.</param>
/// <param name="Detail">Why a check failed beyond its numbers (non-finite logits, an error), else null.</param>
public sealed record ParityStatus(
    ParityState State, double MaxAbs, double Bound, double MaxLogit, int Position, int ShaderGeneration, DateTime CheckedAtUtc, string? Detail)
{
    public static readonly ParityStatus NotChecked = new(ParityState.Pending, double.NaN, double.NaN, double.NaN, 0, 0, DateTime.MinValue, null);

    /// <summary>One line for the overlay and stderr, e.g. `parity ok: max-abs 2.1e-06 (bound 3.4e-04) at position 37`.</summary>
    public override string ToString()
    {
        if (CheckedAtUtc == DateTime.MinValue) return "parity: not checked yet";
        string numbers = string.Create(CultureInfo.InvariantCulture, $"max-abs {MaxAbs:0.0e+00} (bound {Bound:0.0e+00}) at position {Position}");
        string state = State switch { ParityState.Ok => "ok", ParityState.Failed => "FAILED", _ => "checking" };
        return $"parity {state}: {numbers}" + (Detail is null ? "" : $"; {Detail}");
    }
}

public sealed record LiveParityOptions
{
    /// <summary>Outside reloads, check at most every this many steps...</summary>
    public int EveryTokens { get; init; } = 16;

    /// <summary>...and no sooner than this after the previous check started, to keep the CPU's share low.</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Largest max-abs error allowed, relative to the largest |logit|: the bound the parity tests and `verify` use.</summary>
    public double RelativeBound { get; init; } = 1e-4;
}

/// <summary>
/// Compares the GPU's logits for a step with the CPU reference's for the same context. <see cref="OnStep"/>
/// runs on the GL thread and costs a copy of the context and one row of logits when a check is due; the CPU
/// forward runs on a worker task over that snapshot, and its verdict appears in <see cref="Status"/>.
/// The worker keeps its own <see cref="CpuGptRunner"/> (the reference is not thread-safe) with its own KV cache,
/// fed the same tokens as the GPU: the logits of step t depend only on tokens 0..t, so a check only runs the
/// tokens added since the previous one, and the CPU's state never depends on what the GPU computed.
/// At most one check runs at a time; a step that comes due meanwhile replaces any waiting snapshot.
/// </summary>
public sealed class LiveParity : IDisposable
{
    private sealed record Snapshot(int[] Tokens, float[] GpuLogits, int Generation);

    private readonly Lock _lock = new();
    private readonly LiveParityOptions _options;
    private readonly TextWriter _log;
    private readonly CpuGptRunner _cpu;
    private readonly List<int> _cpuTokens = [];
    private float[]? _cpuLastLogits;
    private ParityStatus _status = ParityStatus.NotChecked;
    private ParityState _lastLoggedState = ParityState.Pending;
    private Snapshot? _waiting;
    private Task _worker = Task.CompletedTask;
    private int _generation;
    private bool _checkRequested = true;
    private int _stepsSinceCheck;
    private long _lastCheckTimestamp;
    private int _checksCompleted;
    private bool _disposed;

    /// <param name="weights">The weights the GPU runs; only read, so sharing them with the GPU runner's owner is safe.</param>
    /// <param name="log">Receives a line whenever the verdict changes between ok and FAILED (thread-safe wrapper applied).</param>
    public LiveParity(GptWeights weights, TextWriter? log = null, LiveParityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _cpu = new CpuGptRunner(weights);
        _log = TextWriter.Synchronized(log ?? TextWriter.Null);
        _options = options ?? new LiveParityOptions();
    }

    /// <summary>The latest verdict; safe to read from any thread, every frame.</summary>
    public ParityStatus Status => Volatile.Read(ref _status);

    /// <summary>Checks finished so far, for tests and figures.</summary>
    public int ChecksCompleted => Volatile.Read(ref _checksCompleted);

    /// <summary>
    /// Tells the checker that new shaders are in use: the state turns Pending, the next step is checked at once,
    /// and a check still running for the old shaders is not published.
    /// </summary>
    public void ShadersChanged(int generation)
    {
        lock (_lock)
        {
            _generation = generation;
            _checkRequested = true;
            _waiting = null;
            Volatile.Write(ref _status, _status with { State = ParityState.Pending });
        }
    }

    /// <summary>
    /// Call after each GPU forward with the whole context now in its KV cache and the logits of its last token.
    /// Returns true when this step was handed to the worker. Never blocks on a running check.
    /// </summary>
    public bool OnStep(ReadOnlySpan<int> context, ReadOnlySpan<float> gpuLogits)
    {
        if (context.Length == 0 || context.Length > _cpu.Config.NPositions)
            throw new ArgumentException($"context of {context.Length} tokens; expected 1..{_cpu.Config.NPositions}", nameof(context));
        if (gpuLogits.Length != _cpu.Config.VocabSize)
            throw new ArgumentException($"{gpuLogits.Length} logits; expected one row of {_cpu.Config.VocabSize}", nameof(gpuLogits));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stepsSinceCheck++;
            bool due = _checkRequested
                || (_stepsSinceCheck >= _options.EveryTokens && System.Diagnostics.Stopwatch.GetElapsedTime(_lastCheckTimestamp) >= _options.MinInterval);
            if (!due) return false;
            _checkRequested = false;
            _stepsSinceCheck = 0;
            _lastCheckTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            _waiting = new Snapshot(context.ToArray(), gpuLogits.ToArray(), _generation);
            if (_worker.IsCompleted) _worker = Task.Run(Drain);
            return true;
        }
    }

    /// <summary>Waits for the running and waiting checks to finish; false on timeout. For tests and the CLI.</summary>
    public bool WaitIdle(TimeSpan timeout)
    {
        Task worker;
        lock (_lock) worker = _worker;
        return worker.Wait(timeout);
    }

    private void Drain()
    {
        while (true)
        {
            Snapshot snapshot;
            lock (_lock)
            {
                if (_waiting is null || _disposed) return;
                snapshot = _waiting;
                _waiting = null;
            }
            ParityStatus result;
            try
            {
                result = Check(snapshot);
            }
            catch (Exception e) when (e is ArgumentException or ContextFullException or InvalidOperationException)
            {
                result = new ParityStatus(ParityState.Failed, double.NaN, double.NaN, double.NaN, snapshot.Tokens.Length, snapshot.Generation, DateTime.UtcNow,
                    $"the CPU reference failed: {e.Message}");
                ResetCpu();
            }
            Publish(result);
        }
    }

    private ParityStatus Check(Snapshot s)
    {
        float[] expected = CpuLogits(s.Tokens);
        double maxLogit = 0;
        foreach (float v in expected) maxLogit = Math.Max(maxLogit, Math.Abs(v));
        var tolerance = new ParityTolerance(ParityTolerance.Reduction.MaxNmse, _options.RelativeBound * maxLogit);
        ParityResult r = Parity.Compare($"logits at position {s.Tokens.Length}", expected, s.GpuLogits, tolerance, reportMismatches: 0);
        string? detail = r.NonFinite > 0 ? $"{r.NonFinite} logits are not finite" : null;
        return new ParityStatus(r.Pass ? ParityState.Ok : ParityState.Failed, r.MaxAbs, tolerance.MaxAbs, maxLogit, s.Tokens.Length, s.Generation, DateTime.UtcNow, detail);
    }

    /// <summary>CPU logits for the last token of <paramref name="tokens"/>, running only what the cache lacks.</summary>
    private float[] CpuLogits(int[] tokens)
    {
        int common = 0;
        while (common < _cpuTokens.Count && common < tokens.Length && _cpuTokens[common] == tokens[common]) common++;
        if (common == tokens.Length && common == _cpuTokens.Count && _cpuLastLogits is not null) return _cpuLastLogits;
        // The cache cannot drop its tail, so a context that diverged, or shrank, is run again from its start.
        if (common < _cpuTokens.Count || common == tokens.Length) ResetCpu();
        int start = _cpuTokens.Count;
        _cpuLastLogits = _cpu.Forward(tokens.AsSpan(start));
        _cpuTokens.AddRange(tokens.AsSpan(start));
        return _cpuLastLogits;
    }

    private void ResetCpu()
    {
        _cpu.Reset();
        _cpuTokens.Clear();
        _cpuLastLogits = null;
    }

    private void Publish(ParityStatus result)
    {
        string? line = null;
        lock (_lock)
        {
            Interlocked.Increment(ref _checksCompleted);
            // A verdict on shaders that were replaced while it ran says nothing about the ones in use.
            if (result.ShaderGeneration != _generation || _disposed) return;
            Volatile.Write(ref _status, result);
            if (result.State != _lastLoggedState) line = result.ToString();
            _lastLoggedState = result.State;
        }
        if (line is not null) _log.WriteLine(line);
    }

    /// <summary>Drops any waiting check and waits for a running one, so that no line is written afterwards.</summary>
    public void Dispose()
    {
        Task worker;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _waiting = null;
            worker = _worker;
        }
        worker.Wait();
        _cpu.Dispose();
    }
}
