// The GPT-2 forward pass as compute-shader dispatches, with the weights and the KV cache resident on the GPU.
using Playground.Gpu.Context;
using Playground.Gpu.Gl;
using Playground.Model;

namespace Playground.Gpu.Runtime;

/// <summary>Options for <see cref="GpuGptRunner"/>.</summary>
public sealed record GpuRunnerOptions
{
    /// <summary>Shader folder; null resolves through <see cref="ShaderLocator"/>.</summary>
    public string? ShaderDirectory { get; init; }

    public KernelVariant Variant { get; init; } = KernelVariant.Fast;

    /// <summary>Caps the bytes bound to one storage block below the driver's limit; tests use it to force splitting.</summary>
    public long? StorageBlockLimit { get; init; }

    /// <summary>Records per-pass GPU timestamps.</summary>
    public bool Timing { get; init; } = true;
}

/// <summary>
/// Runs GPT-2 on the GPU through the same sequence of ops as the CPU reference. The weights are uploaded once;
/// the KV cache lives in GPU buffers; prefill (a whole prompt) and decode (one token) both run entirely there,
/// and only the logits that are asked for are read back. Must be used on the thread whose GL context is current.
/// </summary>
public sealed class GpuGptRunner : IGptRunner
{
    private sealed record LayerBuffers(
        GlBuffer Ln1Weight, GlBuffer Ln1Bias, GlBuffer QkvWeight, GlBuffer QkvBias, GlBuffer AttnProjWeight, GlBuffer AttnProjBias,
        GlBuffer Ln2Weight, GlBuffer Ln2Bias, GlBuffer FcWeight, GlBuffer FcBias, GlBuffer FcProjWeight, GlBuffer FcProjBias,
        GlBuffer KCache, GlBuffer VCache);

    private readonly GlDevice _device;
    private readonly List<GlBuffer> _buffers = [];
    private readonly GlBuffer _wte, _wpe, _lmHead, _lnFWeight, _lnFBias;
    private readonly LayerBuffers[] _layers;
    // Activations for up to n_positions rows, shared by all layers: the residual stream ping-pongs between two buffers.
    private readonly GlBuffer _tokens, _residualA, _residualB, _ln, _qkv, _attention, _proj, _fc, _gelu, _scratch, _logits;
    private readonly int _logitRows;

    public GpuGptRunner(GlDevice device, GptWeights weights, GpuRunnerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        options ??= new GpuRunnerOptions();
        _device = device;
        Config = weights.Config;
        int C = Config.NEmbd, maxT = Config.NPositions, V = Config.VocabSize, NH = Config.NHead;
        ShaderDirectory = ShaderLocator.Resolve(options.ShaderDirectory);
        Variant = options.Variant;
        // attention.comp keeps one query's scores for every position in shared memory (plus its reduction array).
        long attentionShared = ((long)maxT + 256) * 4;
        if (Variant == KernelVariant.Fast && attentionShared > device.MaxSharedMemoryBytes)
            throw new GpuUnavailableException($"n_positions={maxT} needs {attentionShared / 1024} KiB of compute shared memory for attention, " +
                $"but {device.Renderer} offers {device.MaxSharedMemoryBytes / 1024} KiB; use --backend cpu or --kernels naive");
        try
        {
            Kernels = new GpuKernels(device, CompileShaders(), options.StorageBlockLimit);
            Timer = new GpuTimer(device.Gl) { Enabled = options.Timing };
            _wte = Upload(weights.TokenEmbedding, "wte");
            _lmHead = weights.UntiedLmHead is null ? _wte : Upload(weights.UntiedLmHead, "lm_head");
            _wpe = Upload(weights.PositionEmbedding, "wpe");
            _lnFWeight = Upload(weights.LnFWeight, "ln_f.weight");
            _lnFBias = Upload(weights.LnFBias, "ln_f.bias");
            _layers = weights.Layers.Select((w, i) => new LayerBuffers(
                Upload(w.Ln1Weight, $"h.{i}.ln_1.weight"), Upload(w.Ln1Bias, $"h.{i}.ln_1.bias"),
                Upload(w.QkvWeight, $"h.{i}.attn.c_attn.weight"), Upload(w.QkvBias, $"h.{i}.attn.c_attn.bias"),
                Upload(w.AttnProjWeight, $"h.{i}.attn.c_proj.weight"), Upload(w.AttnProjBias, $"h.{i}.attn.c_proj.bias"),
                Upload(w.Ln2Weight, $"h.{i}.ln_2.weight"), Upload(w.Ln2Bias, $"h.{i}.ln_2.bias"),
                Upload(w.FcWeight, $"h.{i}.mlp.c_fc.weight"), Upload(w.FcBias, $"h.{i}.mlp.c_fc.bias"),
                Upload(w.FcProjWeight, $"h.{i}.mlp.c_proj.weight"), Upload(w.FcProjBias, $"h.{i}.mlp.c_proj.bias"),
                Allocate((long)maxT * C, $"h.{i}.k_cache"), Allocate((long)maxT * C, $"h.{i}.v_cache"))).ToArray();
            _tokens = Allocate(maxT, "tokens");
            _residualA = Allocate((long)maxT * C, "residual_a");
            _residualB = Allocate((long)maxT * C, "residual_b");
            _ln = Allocate((long)maxT * C, "ln");
            _qkv = Allocate((long)maxT * 3 * C, "qkv");
            _attention = Allocate((long)maxT * C, "attention");
            _proj = Allocate((long)maxT * C, "proj");
            _fc = Allocate((long)maxT * 4 * C, "fc");
            _gelu = Allocate((long)maxT * 4 * C, "gelu");
            _scratch = Allocate(Variant == KernelVariant.Naive ? (long)maxT * NH * maxT : 1, "attention_scratch");
            // All-position logits are computed in blocks of rows that fit one storage block.
            _logitRows = (int)Math.Clamp(Kernels.StorageBlockLimit / ((long)V * 4), 1, maxT);
            _logits = Allocate((long)_logitRows * V, "logits");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public GptConfig Config { get; }
    public string Backend => "gpu";
    public int Position { get; private set; }
    public string ShaderDirectory { get; }
    public KernelVariant Variant { get; }
    public GpuKernels Kernels { get; } = null!;
    public GpuTimer Timer { get; } = null!;
    public GlDevice Device => _device;

    /// <summary>Compiles a fresh program set from <see cref="ShaderDirectory"/>; throws ShaderCompileException on failure.</summary>
    public ShaderSet CompileShaders() => new(_device.Gl, ShaderDirectory, Variant, Config.NPositions);

    public void Reset() => Position = 0;

    public float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false)
    {
        int T = tokens.Length;
        if (T == 0) throw new ArgumentException("no tokens to run", nameof(tokens));
        if (Position + T > Config.NPositions) throw new ContextFullException(Position, T, Config.NPositions);
        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {token} is outside the vocabulary of {Config.VocabSize}");
        }
        int C = Config.NEmbd, V = Config.VocabSize, NH = Config.NHead, maxT = Config.NPositions, pos0 = Position;
        GpuKernels k = Kernels;
        _tokens.Upload(tokens);

        Timer.BeginFrame(T);
        k.EncoderForward(_residualA, _tokens, _wte, _wpe, pos0, T, C, V);
        Timer.Mark(PassKind.Embed);
        GlBuffer residual = _residualA, other = _residualB;
        foreach (LayerBuffers l in _layers)
        {
            k.LayerNormForward(_ln, residual, l.Ln1Weight, l.Ln1Bias, T, C, Config.LayerNormEpsilon);
            Timer.Mark(PassKind.LayerNorm);
            k.MatmulForward(_qkv, _ln, l.QkvWeight, l.QkvBias, T, C, 3 * C);
            Timer.Mark(PassKind.Qkv);
            k.KvCacheWrite(l.KCache, l.VCache, _qkv, pos0, T, C);
            k.AttentionForward(_attention, _qkv, l.KCache, l.VCache, _scratch, pos0, T, C, NH, maxT);
            Timer.Mark(PassKind.Attention);
            k.MatmulForward(_proj, _attention, l.AttnProjWeight, l.AttnProjBias, T, C, C);
            k.ResidualForward(other, residual, _proj, T * C);
            (residual, other) = (other, residual);
            Timer.Mark(PassKind.Proj);
            k.LayerNormForward(_ln, residual, l.Ln2Weight, l.Ln2Bias, T, C, Config.LayerNormEpsilon);
            Timer.Mark(PassKind.LayerNorm);
            k.MatmulForward(_fc, _ln, l.FcWeight, l.FcBias, T, C, 4 * C);
            k.GeluForward(_gelu, _fc, T * 4 * C);
            k.MatmulForward(_proj, _gelu, l.FcProjWeight, l.FcProjBias, T, 4 * C, C);
            k.ResidualForward(other, residual, _proj, T * C);
            (residual, other) = (other, residual);
            Timer.Mark(PassKind.Mlp);
        }
        Position += T;

        float[] result;
        if (allPositions)
        {
            k.LayerNormForward(_ln, residual, _lnFWeight, _lnFBias, T, C, Config.LayerNormEpsilon);
            Timer.Mark(PassKind.LayerNorm);
            result = new float[(long)T * V];
            for (int t0 = 0; t0 < T; t0 += _logitRows)
            {
                int rows = Math.Min(_logitRows, T - t0);
                k.LmHeadForward(_logits, _ln, _lmHead, rows, C, V, srcRow: t0);
                Timer.Mark(PassKind.LmHead);
                _logits.Download(result.AsSpan(t0 * V, rows * V));
            }
        }
        else
        {
            // Only the last row feeds sampling: normalise and project that row alone.
            k.LayerNormForward(_ln, residual, _lnFWeight, _lnFBias, 1, C, Config.LayerNormEpsilon, srcRow: T - 1);
            Timer.Mark(PassKind.LayerNorm);
            k.LmHeadForward(_logits, _ln, _lmHead, 1, C, V);
            Timer.Mark(PassKind.LmHead);
            result = _logits.DownloadFloats(V);
        }
        Timer.EndFrame();
        return result;
    }

    private GlBuffer Upload(float[] data, string label)
    {
        var buffer = GlBuffer.Create<float>(_device.Gl, data, label);
        _buffers.Add(buffer);
        return buffer;
    }

    private GlBuffer Allocate(long floats, string label)
    {
        var buffer = new GlBuffer(_device.Gl, floats * 4, label);
        _buffers.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Dispose();
        _buffers.Clear();
        Timer?.Dispose();
        Kernels?.Dispose();
    }
}
