// The starting point of training from scratch: GPT-2's initialisation, drawn from a seed.
using Playground.Model.Numerics;

namespace Playground.Model.Training;

public static class InitialWeights
{
    /// <summary>The standard deviation GPT-2 draws its weights with.</summary>
    public const float Std = 0.02f;

    /// <summary>
    /// GPT-2's initialisation: weights and embeddings from N(0, 0.02²), the two projections that add into the
    /// residual stream scaled down by sqrt(2·n_layer) so the stream's variance does not grow with depth, biases 0,
    /// layernorm gains 1. The lm_head is tied to wte. The same config and seed always give the same weights.
    /// </summary>
    public static GptWeights Create(GptConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate("model to train");
        var rng = new Random(seed);
        int c = config.NEmbd;
        float residualStd = Std / MathF.Sqrt(2f * config.NLayer);

        float[] Normal(long n, float std = Std) => Gaussian.Samples(rng, n, std);
        static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

        // wte and wpe are drawn first, then the blocks in order, so a deeper model shares its first layers' draws.
        float[] tokenEmbedding = Normal((long)config.VocabSize * c);
        float[] positionEmbedding = Normal((long)config.NPositions * c);
        var layers = new LayerWeights[config.NLayer];
        for (int l = 0; l < config.NLayer; l++)
        {
            layers[l] = new LayerWeights
            {
                Ln1Weight = Ones(c), Ln1Bias = new float[c],
                QkvWeight = Normal(3L * c * c), QkvBias = new float[3 * c],
                AttnProjWeight = Normal((long)c * c, residualStd), AttnProjBias = new float[c],
                Ln2Weight = Ones(c), Ln2Bias = new float[c],
                FcWeight = Normal(4L * c * c), FcBias = new float[4 * c],
                FcProjWeight = Normal(4L * c * c, residualStd), FcProjBias = new float[c],
            };
        }
        return new GptWeights
        {
            Config = config,
            TokenEmbedding = tokenEmbedding,
            PositionEmbedding = positionEmbedding,
            Layers = layers,
            LnFWeight = Ones(c),
            LnFBias = new float[c],
        };
    }
}
