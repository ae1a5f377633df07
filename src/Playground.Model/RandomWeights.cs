// Deterministic random GPT-2 weights, for tests and for the generated stand-in default model.
using Playground.Model.Numerics;

namespace Playground.Model;

public static class RandomWeights
{
    /// <summary>
    /// Weights drawn from N(0, std²) with a seeded generator; layernorm gains are 1 + N(0, std²) so that
    /// layernorm is not the identity. The same config, seed and std always give the same weights.
    /// </summary>
    public static GptWeights Create(GptConfig config, int seed, float std = 0.2f, bool untiedLmHead = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate("random weights");
        var rng = new Random(seed);
        int c = config.NEmbd;

        float[] Normal(long n, float mean = 0f) => Gaussian.Samples(rng, n, std, mean);

        var layers = new LayerWeights[config.NLayer];
        for (int l = 0; l < config.NLayer; l++)
        {
            layers[l] = new LayerWeights
            {
                Ln1Weight = Normal(c, 1f), Ln1Bias = Normal(c),
                QkvWeight = Normal(3L * c * c), QkvBias = Normal(3 * c),
                AttnProjWeight = Normal((long)c * c), AttnProjBias = Normal(c),
                Ln2Weight = Normal(c, 1f), Ln2Bias = Normal(c),
                FcWeight = Normal(4L * c * c), FcBias = Normal(4 * c),
                FcProjWeight = Normal(4L * c * c), FcProjBias = Normal(c),
            };
        }
        return new GptWeights
        {
            Config = config,
            TokenEmbedding = Normal((long)config.VocabSize * c),
            PositionEmbedding = Normal((long)config.NPositions * c),
            Layers = layers,
            LnFWeight = Normal(c, 1f),
            LnFBias = Normal(c),
            UntiedLmHead = untiedLmHead ? Normal((long)config.VocabSize * c) : null,
        };
    }
}
