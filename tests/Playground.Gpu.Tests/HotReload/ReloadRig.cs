// What the hot-reload tests share: a GPU runner on a temp shader folder, its CPU twin, and a bounded wait.
using System.Diagnostics;
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Reference;

namespace Playground.Gpu.Tests.HotReload;

/// <summary>A small random model on the GPU, loading its shaders from a temp copy of shaders/ that a test edits.</summary>
public sealed class ReloadRig : IDisposable
{
    public static readonly GptConfig Config = new(NLayer: 2, NHead: 2, NEmbd: 32, NPositions: 48, VocabSize: 64, EosTokenId: null);

    /// <summary>Long enough for a reload or a parity check on a loaded CI machine; a working one takes well under a second.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly HeadlessGpu _gpu = new();

    public ReloadRig()
    {
        Weights = RandomWeights.Create(Config, seed: 5);
        Runner = new GpuGptRunner(_gpu.Device, Weights, new GpuRunnerOptions { ShaderDirectory = Folder.Path });
    }

    public TempShaderFolder Folder { get; } = new();
    public GptWeights Weights { get; }
    public GpuGptRunner Runner { get; }

    /// <summary>stderr as the code under test writes it; synchronized because the parity worker writes from its own thread.</summary>
    public StringWriter LogText { get; } = new();
    public TextWriter Log => _log ??= TextWriter.Synchronized(LogText);
    private TextWriter? _log;

    public string[] LogLines() { lock (Log) return LogText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); }

    public static int[] Tokens(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(Config.VocabSize)).ToArray();
    }

    /// <summary>The CPU reference's logits for the last token of <paramref name="context"/>.</summary>
    public float[] CpuLogits(IReadOnlyList<int> context)
    {
        using var cpu = new CpuGptRunner(Weights);
        return cpu.Forward(context.ToArray());
    }

    /// <summary>max|a - b| / max|b|: the relative error the parity tests bound by 1e-4.</summary>
    public static double RelativeError(float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
        }
        return double.IsFinite(maxErr) ? maxErr / maxRef : double.PositiveInfinity;
    }

    /// <summary>Calls <paramref name="poll"/> until it returns a value or <see cref="Patience"/> runs out.</summary>
    public static T Until<T>(Func<T?> poll, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience)
        {
            if (poll() is { } value) return value;
            Thread.Sleep(5);
        }
        throw new TimeoutException($"gave up after {Patience.TotalSeconds:0} s waiting for {what}");
    }

    /// <summary>The 1-based line of the first line of <paramref name="file"/> that contains <paramref name="text"/>.</summary>
    public int LineOf(string file, string text)
    {
        string[] lines = File.ReadAllLines(Folder[file]);
        int index = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        if (index < 0) throw new InvalidOperationException($"{file} has no line containing '{text}'");
        return index + 1;
    }

    public void Dispose()
    {
        Runner.Dispose();
        _gpu.Dispose();
        Folder.Dispose();
    }
}
