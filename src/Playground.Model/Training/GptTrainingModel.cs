// A GPT-2 under training: forward with every activation kept, then backward into one gradient per parameter.
using Playground.Model.Reference;

namespace Playground.Model.Training;

/// <summary>
/// Runs a batch of B sequences of T tokens through GPT-2, keeping the activations the backward pass needs, and
/// computes the gradient of the mean cross-entropy loss with respect to every parameter, as llm.c's
/// gpt2_forward and gpt2_backward do. The weights are trained in place. Not thread-safe.
/// </summary>
public sealed class GptTrainingModel
{
    private readonly GptWeights weights;
    private readonly GptWeights gradients;
    private readonly LayerActivations[] layers;
    private readonly int maxRows;
    private readonly int maxT;

    // Whole-model activations, (maxRows, ...).
    private readonly float[] encoded;     // (N,C)
    private readonly float[] lnf;         // (N,C)
    private readonly float[] lnfMean;     // (N)
    private readonly float[] lnfRstd;     // (N)
    private readonly float[] logits;      // (N,V)
    private readonly float[] probs;       // (N,V)
    private readonly float[] losses;      // (N)

    // Gradients of activations: one layer's worth, reused by every layer on the way down.
    private readonly float[] dresidualAbove; // (N,C) gradient of the layer's output
    private readonly float[] dresidualBelow; // (N,C) gradient of the layer's input
    private readonly float[] dresidualMid;   // (N,C) gradient of the residual after attention
    private readonly float[] dprojected;     // (N,C) gradient of either projection's output
    private readonly float[] dhiddenGelu;    // (N,4C)
    private readonly float[] dhidden;        // (N,4C)
    private readonly float[] dnormed;        // (N,C)
    private readonly float[] dattended;      // (N,C)
    private readonly float[] dqkv;           // (N,3C)
    private readonly float[] dlnf;           // (N,C)
    private readonly float[] dlogits;        // (N,V)
    private readonly float[] dlosses;        // (N)

    // The batch of the latest forward pass.
    private int[] inputs = [];
    private int[] targets = [];
    private int[] firstPositions = [];
    private int batch;
    private int steps;

    /// <summary>Trains <paramref name="weights"/> in place with room for up to maxRows = B*T tokens per batch.</summary>
    public GptTrainingModel(GptWeights weights, int maxBatch, int maxT)
    {
        ArgumentNullException.ThrowIfNull(weights);
        GptConfig config = weights.Config;
        config.Validate("model config");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxT, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxT, config.NPositions);
        this.weights = weights;
        this.maxT = maxT;
        maxRows = maxBatch * maxT;
        gradients = ZerosLike(weights);
        Parameters = ListParameters(weights, gradients);

        int N = maxRows, C = config.NEmbd, V = config.VocabSize;
        layers = new LayerActivations[config.NLayer];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new LayerActivations(N, C, (long)maxBatch * config.NHead * maxT * maxT);
        }
        encoded = new float[N * C];
        lnf = new float[N * C];
        lnfMean = new float[N];
        lnfRstd = new float[N];
        logits = new float[N * V];
        probs = new float[N * V];
        losses = new float[N];
        dresidualAbove = new float[N * C];
        dresidualBelow = new float[N * C];
        dresidualMid = new float[N * C];
        dprojected = new float[N * C];
        dhiddenGelu = new float[N * 4 * C];
        dhidden = new float[N * 4 * C];
        dnormed = new float[N * C];
        dattended = new float[N * C];
        dqkv = new float[N * 3 * C];
        dlnf = new float[N * C];
        dlogits = new float[N * V];
        dlosses = new float[N];
    }

    public GptConfig Config => weights.Config;

    /// <summary>The weights being trained (the same object that was passed in).</summary>
    public GptWeights Weights => weights;

    /// <summary>Every parameter with its gradient, in the order of a HuggingFace checkpoint.</summary>
    public IReadOnlyList<ParameterTensor> Parameters { get; }

    /// <summary>Per-position losses (nats) of the latest forward pass, (B*T).</summary>
    public ReadOnlySpan<float> Losses => losses.AsSpan(0, batch * steps);

    /// <summary>
    /// Runs B sequences of T tokens (<paramref name="inputs"/>, (B,T)) and returns the mean cross-entropy of
    /// predicting <paramref name="targets"/> (B,T), in nats per token. Keeps the activations for <see cref="Backward"/>.
    /// Sequence b sits at absolute positions firstPositions[b].. (all at 0.. when <paramref name="firstPositions"/> is empty).
    /// </summary>
    public float Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, int B, int T, ReadOnlySpan<int> firstPositions = default)
    {
        GptConfig config = weights.Config;
        int C = config.NEmbd, V = config.VocabSize, NH = config.NHead, N = B * T;
        float eps = config.LayerNormEpsilon;
        if (B < 1 || T < 1 || T > maxT || N > maxRows)
        {
            throw new ArgumentException($"batch (B={B},T={T}) does not fit the model's buffers ({maxRows} rows, T <= {maxT})");
        }
        if (inputs.Length != N || targets.Length != N)
        {
            throw new ArgumentException($"inputs and targets must hold B*T={N} tokens, got {inputs.Length} and {targets.Length}");
        }
        CheckTokens(inputs, V, nameof(inputs));
        CheckTokens(targets, V, nameof(targets));
        if (!firstPositions.IsEmpty && (firstPositions.Length != B || firstPositions.ToArray().Any(p => p < 0 || p + T > config.NPositions)))
        {
            throw new ArgumentException($"firstPositions must hold B={B} positions p with p+T <= n_positions={config.NPositions}", nameof(firstPositions));
        }
        this.firstPositions = firstPositions.ToArray();
        this.inputs = inputs.ToArray();
        this.targets = targets.ToArray();
        batch = B;
        steps = T;

        TrainingOps.EncoderForward(encoded, inputs, firstPositions, weights.TokenEmbedding, weights.PositionEmbedding, B, T, C);
        float[] residual = encoded;
        for (int l = 0; l < config.NLayer; l++)
        {
            LayerWeights w = weights.Layers[l];
            LayerActivations a = layers[l];
            TrainingOps.LayerNormForward(a.Ln1, a.Ln1Mean, a.Ln1Rstd, residual.AsSpan(0, N * C), w.Ln1Weight, w.Ln1Bias, N, C, eps);
            CpuOps.MatmulForward(a.Qkv.AsMemory(0, N * 3 * C), a.Ln1, w.QkvWeight, w.QkvBias, N, C, 3 * C);
            TrainingOps.AttentionForward(a.Attended, a.Att, a.Qkv, B, T, C, NH);
            CpuOps.MatmulForward(a.AttnProjected.AsMemory(0, N * C), a.Attended, w.AttnProjWeight, w.AttnProjBias, N, C, C);
            CpuOps.ResidualForward(a.ResidualMid, residual.AsSpan(0, N * C), a.AttnProjected, N * C);
            TrainingOps.LayerNormForward(a.Ln2, a.Ln2Mean, a.Ln2Rstd, a.ResidualMid, w.Ln2Weight, w.Ln2Bias, N, C, eps);
            CpuOps.MatmulForward(a.Hidden.AsMemory(0, N * 4 * C), a.Ln2, w.FcWeight, w.FcBias, N, C, 4 * C);
            ForEachChunk(N * 4 * C, (start, length) =>
                TrainingOps.GeluForward(a.HiddenGelu.AsSpan(start, length), a.Hidden.AsSpan(start, length), length));
            CpuOps.MatmulForward(a.FcProjected.AsMemory(0, N * C), a.HiddenGelu, w.FcProjWeight, w.FcProjBias, N, 4 * C, C);
            CpuOps.ResidualForward(a.ResidualOut, a.ResidualMid, a.FcProjected, N * C);
            residual = a.ResidualOut;
        }
        TrainingOps.LayerNormForward(lnf, lnfMean, lnfRstd, residual.AsSpan(0, N * C), weights.LnFWeight, weights.LnFBias, N, C, eps);
        CpuOps.MatmulForward(logits.AsMemory(0, N * V), lnf, weights.LmHead, ReadOnlyMemory<float>.Empty, N, C, V);
        ForEachChunk(N, (start, length) => TrainingOps.SoftmaxCrossEntropyForward(losses.AsSpan(start, length),
            probs.AsSpan(start * V, length * V), logits.AsSpan(start * V, length * V), this.targets.AsSpan(start, length), length, V));

        double sum = 0;
        for (int n = 0; n < N; n++)
        {
            sum += losses[n];
        }
        return (float)(sum / N);
    }

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients()
    {
        foreach (ParameterTensor p in Parameters)
        {
            Array.Clear(p.Gradient);
        }
    }

    /// <summary>
    /// Adds the gradient of the latest <see cref="Forward"/>'s mean loss to every parameter's gradient
    /// (call <see cref="ZeroGradients"/> first unless accumulating).
    /// </summary>
    public void Backward()
    {
        if (batch == 0)
        {
            throw new InvalidOperationException("Backward needs a Forward pass first");
        }
        GptConfig config = weights.Config;
        int B = batch, T = steps, N = B * T, C = config.NEmbd, V = config.VocabSize, NH = config.NHead;

        // The loss is the mean over all N positions.
        dlosses.AsSpan(0, N).Fill(1f / N);
        Clear(dlogits, N * V);
        ForEachChunk(N, (start, length) => TrainingOps.SoftmaxCrossEntropyBackward(dlogits.AsSpan(start * V, length * V),
            dlosses.AsSpan(start, length), probs.AsSpan(start * V, length * V), targets.AsSpan(start, length), length, V));

        float[] dlmHead = gradients.UntiedLmHead ?? gradients.TokenEmbedding;
        Clear(dlnf, N * C);
        TrainingOps.MatmulBackward(dlnf, dlmHead, Memory<float>.Empty, dlogits.AsMemory(0, N * V), lnf, weights.LmHead, N, C, V);

        float[] dabove = dresidualAbove, dbelow = dresidualBelow;
        float[] lastResidual = layers[^1].ResidualOut;
        Clear(dabove, N * C);
        TrainingOps.LayerNormBackward(dabove, gradients.LnFWeight, gradients.LnFBias, dlnf, lastResidual, weights.LnFWeight,
            lnfMean, lnfRstd, N, C);

        for (int l = config.NLayer - 1; l >= 0; l--)
        {
            LayerWeights w = weights.Layers[l];
            LayerWeights g = gradients.Layers[l];
            LayerActivations a = layers[l];
            float[] residualIn = l == 0 ? encoded : layers[l - 1].ResidualOut;

            // residualOut = residualMid + fcProjected
            Clear(dresidualMid, N * C);
            Clear(dprojected, N * C);
            TrainingOps.ResidualBackward(dresidualMid, dprojected, dabove, N * C);

            // MLP, top down.
            Clear(dhiddenGelu, N * 4 * C);
            TrainingOps.MatmulBackward(dhiddenGelu, g.FcProjWeight, g.FcProjBias, dprojected.AsMemory(0, N * C), a.HiddenGelu,
                w.FcProjWeight, N, 4 * C, C);
            Clear(dhidden, N * 4 * C);
            ForEachChunk(N * 4 * C, (start, length) => TrainingOps.GeluBackward(dhidden.AsSpan(start, length),
                a.Hidden.AsSpan(start, length), dhiddenGelu.AsSpan(start, length), length));
            Clear(dnormed, N * C);
            TrainingOps.MatmulBackward(dnormed, g.FcWeight, g.FcBias, dhidden.AsMemory(0, N * 4 * C), a.Ln2, w.FcWeight, N, C, 4 * C);
            TrainingOps.LayerNormBackward(dresidualMid, g.Ln2Weight, g.Ln2Bias, dnormed, a.ResidualMid, w.Ln2Weight,
                a.Ln2Mean, a.Ln2Rstd, N, C);

            // residualMid = residualIn + attnProjected
            Clear(dbelow, N * C);
            Clear(dprojected, N * C);
            TrainingOps.ResidualBackward(dbelow, dprojected, dresidualMid, N * C);

            // Attention, top down.
            Clear(dattended, N * C);
            TrainingOps.MatmulBackward(dattended, g.AttnProjWeight, g.AttnProjBias, dprojected.AsMemory(0, N * C), a.Attended,
                w.AttnProjWeight, N, C, C);
            Clear(dqkv, N * 3 * C);
            TrainingOps.AttentionBackward(dqkv, dattended.AsMemory(0, N * C), a.Qkv, a.Att, B, T, C, NH);
            Clear(dnormed, N * C);
            TrainingOps.MatmulBackward(dnormed, g.QkvWeight, g.QkvBias, dqkv.AsMemory(0, N * 3 * C), a.Ln1, w.QkvWeight, N, C, 3 * C);
            TrainingOps.LayerNormBackward(dbelow, g.Ln1Weight, g.Ln1Bias, dnormed, residualIn, w.Ln1Weight, a.Ln1Mean, a.Ln1Rstd, N, C);

            (dabove, dbelow) = (dbelow, dabove);
        }

        TrainingOps.EncoderBackward(gradients.TokenEmbedding, gradients.PositionEmbedding, dabove.AsSpan(0, N * C), inputs, firstPositions, B, T, C);
    }

    private static void CheckTokens(ReadOnlySpan<int> tokens, int V, string name)
    {
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)V)
            {
                throw new ArgumentOutOfRangeException(name, $"token {tokens[i]} at index {i} is outside the vocabulary of {V}");
            }
        }
    }

    private static void Clear(float[] array, int count) => array.AsSpan(0, count).Clear();

    // Elementwise work split into a few contiguous chunks per core; chunks are independent, so the split does not
    // change any result.
    private static void ForEachChunk(int count, Action<int, int> body)
    {
        const int minChunk = 1 << 14;
        int chunks = Math.Clamp(count / minChunk, 1, Environment.ProcessorCount * 4);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, i =>
        {
            int start = (int)((long)count * i / chunks), end = (int)((long)count * (i + 1) / chunks);
            body(start, end - start);
        });
    }

    private static GptWeights ZerosLike(GptWeights w)
    {
        static float[] Zeros(float[] like) => new float[like.Length];
        return new GptWeights
        {
            Config = w.Config,
            TokenEmbedding = Zeros(w.TokenEmbedding),
            PositionEmbedding = Zeros(w.PositionEmbedding),
            Layers = w.Layers.Select(l => new LayerWeights
            {
                Ln1Weight = Zeros(l.Ln1Weight), Ln1Bias = Zeros(l.Ln1Bias),
                QkvWeight = Zeros(l.QkvWeight), QkvBias = Zeros(l.QkvBias),
                AttnProjWeight = Zeros(l.AttnProjWeight), AttnProjBias = Zeros(l.AttnProjBias),
                Ln2Weight = Zeros(l.Ln2Weight), Ln2Bias = Zeros(l.Ln2Bias),
                FcWeight = Zeros(l.FcWeight), FcBias = Zeros(l.FcBias),
                FcProjWeight = Zeros(l.FcProjWeight), FcProjBias = Zeros(l.FcProjBias),
            }).ToArray(),
            LnFWeight = Zeros(w.LnFWeight),
            LnFBias = Zeros(w.LnFBias),
            UntiedLmHead = w.UntiedLmHead is null ? null : Zeros(w.UntiedLmHead),
        };
    }

    /// <summary>The parameters of <paramref name="w"/> paired with those of <paramref name="g"/>, named as HuggingFace names them.</summary>
    internal static IReadOnlyList<ParameterTensor> ListParameters(GptWeights w, GptWeights g)
    {
        GptConfig config = w.Config;
        int C = config.NEmbd, V = config.VocabSize;
        var list = new List<ParameterTensor>
        {
            new("wte.weight", [V, C], w.TokenEmbedding, g.TokenEmbedding),
            new("wpe.weight", [config.NPositions, C], w.PositionEmbedding, g.PositionEmbedding),
        };
        for (int l = 0; l < config.NLayer; l++)
        {
            LayerWeights lw = w.Layers[l], lg = g.Layers[l];
            string h = $"h.{l}.";
            list.Add(new(h + "ln_1.weight", [C], lw.Ln1Weight, lg.Ln1Weight));
            list.Add(new(h + "ln_1.bias", [C], lw.Ln1Bias, lg.Ln1Bias));
            list.Add(new(h + "attn.c_attn.weight", [3 * C, C], lw.QkvWeight, lg.QkvWeight));
            list.Add(new(h + "attn.c_attn.bias", [3 * C], lw.QkvBias, lg.QkvBias));
            list.Add(new(h + "attn.c_proj.weight", [C, C], lw.AttnProjWeight, lg.AttnProjWeight));
            list.Add(new(h + "attn.c_proj.bias", [C], lw.AttnProjBias, lg.AttnProjBias));
            list.Add(new(h + "ln_2.weight", [C], lw.Ln2Weight, lg.Ln2Weight));
            list.Add(new(h + "ln_2.bias", [C], lw.Ln2Bias, lg.Ln2Bias));
            list.Add(new(h + "mlp.c_fc.weight", [4 * C, C], lw.FcWeight, lg.FcWeight));
            list.Add(new(h + "mlp.c_fc.bias", [4 * C], lw.FcBias, lg.FcBias));
            list.Add(new(h + "mlp.c_proj.weight", [C, 4 * C], lw.FcProjWeight, lg.FcProjWeight));
            list.Add(new(h + "mlp.c_proj.bias", [C], lw.FcProjBias, lg.FcProjBias));
        }
        list.Add(new("ln_f.weight", [C], w.LnFWeight, g.LnFWeight));
        list.Add(new("ln_f.bias", [C], w.LnFBias, g.LnFBias));
        if (w.UntiedLmHead is not null)
        {
            list.Add(new("lm_head.weight", [V, C], w.UntiedLmHead, g.UntiedLmHead!));
        }
        foreach (ParameterTensor p in list)
        {
            long expected = p.Shape.Aggregate(1L, (product, d) => product * d);
            if (p.Values.LongLength != expected)
            {
                throw new ArgumentException($"weight {p.Name} has {p.Values.LongLength} floats, expected {expected}", nameof(w));
            }
        }
        return list;
    }

    // The activations of one transformer block, each with room for maxRows rows.
    private sealed class LayerActivations(int N, int C, long attentionSize)
    {
        public float[] Ln1 { get; } = new float[N * C];
        public float[] Ln1Mean { get; } = new float[N];
        public float[] Ln1Rstd { get; } = new float[N];
        public float[] Qkv { get; } = new float[N * 3 * C];
        public float[] Att { get; } = new float[attentionSize];      // (B,NH,T,T) softmax probabilities
        public float[] Attended { get; } = new float[N * C];
        public float[] AttnProjected { get; } = new float[N * C];
        public float[] ResidualMid { get; } = new float[N * C];
        public float[] Ln2 { get; } = new float[N * C];
        public float[] Ln2Mean { get; } = new float[N];
        public float[] Ln2Rstd { get; } = new float[N];
        public float[] Hidden { get; } = new float[N * 4 * C];       // before gelu
        public float[] HiddenGelu { get; } = new float[N * 4 * C];
        public float[] FcProjected { get; } = new float[N * C];
        public float[] ResidualOut { get; } = new float[N * C];
    }
}
