// The CPU reference runner: GPT-2 inference over a KV cache, built from the plain functions in CpuOps.
namespace Playground.Model.Reference;

/// <summary>
/// Runs GPT-2 on the CPU. Prefill and decode are the same code path: a call with n tokens runs the ops with
/// T=n at positions Position..Position+n-1. Activation buffers are allocated once and grow only when a call
/// is longer than any before it. Not thread-safe.
/// </summary>
public sealed class CpuGptRunner : IGptRunner
{
    private readonly GptWeights weights;
    private readonly KvCache cache;

    // Activations of the current call, each with room for `capacity` rows.
    private int capacity;
    private float[] residual = [];   // (T,C) the residual stream
    private float[] normed = [];     // (T,C) layernorm output
    private float[] qkv = [];        // (T,3C)
    private float[] attention = [];  // (T,C) attention output before the projection
    private float[] projected = [];  // (T,C) output of a projection, added to the residual stream
    private float[] hidden = [];     // (T,4C) MLP hidden layer, gelu applied in place

    public CpuGptRunner(GptWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights.Config.Validate("model config");
        CheckShapes(weights);
        this.weights = weights;
        cache = new KvCache(weights.Config.NLayer, weights.Config.NPositions, weights.Config.NEmbd);
    }

    public GptConfig Config => weights.Config;

    public string Backend => "cpu";

    public int Position => cache.Length;

    public void Reset() => cache.Clear();

    public float[] Forward(ReadOnlySpan<int> tokens, bool allPositions = false)
    {
        GptConfig config = weights.Config;
        int T = tokens.Length, C = config.NEmbd, V = config.VocabSize, NH = config.NHead;
        int pos0 = Position;
        if (T == 0)
        {
            throw new ArgumentException("at least one token is needed", nameof(tokens));
        }
        if (pos0 + T > config.NPositions)
        {
            throw new ContextFullException(pos0, T, config.NPositions);
        }
        for (int i = 0; i < T; i++)
        {
            if ((uint)tokens[i] >= (uint)V)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {tokens[i]} at index {i} is outside the vocabulary of {V}");
            }
        }
        EnsureCapacity(T);

        CpuOps.EncoderForward(residual, tokens, weights.TokenEmbedding, weights.PositionEmbedding, pos0, T, C);
        for (int l = 0; l < config.NLayer; l++)
        {
            LayerWeights layer = weights.Layers[l];
            CpuOps.LayerNormForward(normed, residual, layer.Ln1Weight, layer.Ln1Bias, T, C, config.LayerNormEpsilon);
            CpuOps.MatmulForward(qkv, normed, layer.QkvWeight, layer.QkvBias, T, C, 3 * C);
            CpuOps.KvCacheWrite(cache.Keys(l), cache.Values(l), qkv, pos0, T, C);
            CpuOps.AttentionForward(attention, qkv, cache.Keys(l), cache.Values(l), pos0, T, C, NH);
            CpuOps.MatmulForward(projected, attention, layer.AttnProjWeight, layer.AttnProjBias, T, C, C);
            CpuOps.ResidualForward(residual, residual, projected, T * C);
            CpuOps.LayerNormForward(normed, residual, layer.Ln2Weight, layer.Ln2Bias, T, C, config.LayerNormEpsilon);
            CpuOps.MatmulForward(hidden, normed, layer.FcWeight, layer.FcBias, T, C, 4 * C);
            CpuOps.GeluForward(hidden, hidden, T * 4 * C);
            CpuOps.MatmulForward(projected, hidden, layer.FcProjWeight, layer.FcProjBias, T, 4 * C, C);
            CpuOps.ResidualForward(residual, residual, projected, T * C);
        }

        // Only the rows whose logits are wanted go through ln_f and the (V,C) lm_head, the costliest matmul.
        int rows = allPositions ? T : 1;
        int firstRow = T - rows;
        CpuOps.LayerNormForward(normed, residual.AsSpan(firstRow * C, rows * C), weights.LnFWeight, weights.LnFBias,
            rows, C, config.LayerNormEpsilon);
        var logits = new float[(long)rows * V];
        CpuOps.MatmulForward(logits, normed, weights.LmHead, ReadOnlyMemory<float>.Empty, rows, C, V);

        cache.Advance(T);
        return logits;
    }

    public void Dispose()
    {
        // Nothing native is held; the arrays go with the garbage collector.
    }

    private void EnsureCapacity(int T)
    {
        if (T <= capacity)
        {
            return;
        }
        int C = weights.Config.NEmbd;
        capacity = T;
        residual = new float[(long)T * C];
        normed = new float[(long)T * C];
        qkv = new float[(long)T * 3 * C];
        attention = new float[(long)T * C];
        projected = new float[(long)T * C];
        hidden = new float[(long)T * 4 * C];
    }

    // A wrong-sized array would otherwise surface as an index error deep inside an op.
    private static void CheckShapes(GptWeights w)
    {
        GptConfig config = w.Config;
        long C = config.NEmbd, V = config.VocabSize;
        void Require(float[] array, long expected, string name)
        {
            ArgumentNullException.ThrowIfNull(array, name);
            if (array.LongLength != expected)
            {
                throw new ArgumentException($"weight {name} has {array.LongLength} floats, expected {expected}", nameof(w));
            }
        }
        Require(w.TokenEmbedding, V * C, "wte");
        Require(w.PositionEmbedding, config.NPositions * C, "wpe");
        Require(w.LnFWeight, C, "ln_f.weight");
        Require(w.LnFBias, C, "ln_f.bias");
        Require(w.LmHead, V * C, "lm_head");
        if (w.Layers.Length != config.NLayer)
        {
            throw new ArgumentException($"weights have {w.Layers.Length} layers, config says {config.NLayer}", nameof(w));
        }
        for (int l = 0; l < w.Layers.Length; l++)
        {
            LayerWeights layer = w.Layers[l];
            string h = $"h.{l}.";
            Require(layer.Ln1Weight, C, h + "ln_1.weight");
            Require(layer.Ln1Bias, C, h + "ln_1.bias");
            Require(layer.QkvWeight, 3 * C * C, h + "attn.c_attn.weight");
            Require(layer.QkvBias, 3 * C, h + "attn.c_attn.bias");
            Require(layer.AttnProjWeight, C * C, h + "attn.c_proj.weight");
            Require(layer.AttnProjBias, C, h + "attn.c_proj.bias");
            Require(layer.Ln2Weight, C, h + "ln_2.weight");
            Require(layer.Ln2Bias, C, h + "ln_2.bias");
            Require(layer.FcWeight, 4 * C * C, h + "mlp.c_fc.weight");
            Require(layer.FcBias, 4 * C, h + "mlp.c_fc.bias");
            Require(layer.FcProjWeight, 4 * C * C, h + "mlp.c_proj.weight");
            Require(layer.FcProjBias, C, h + "mlp.c_proj.bias");
        }
    }
}
