// All parameters of a GPT-2 model as float32 arrays, in the layout the CPU reference and the shaders use.
namespace Playground.Model;

/// <summary>
/// Parameters of one transformer block. Matrices are stored (out, in), row-major: the loader transposes
/// HuggingFace's Conv1D (in, out) once, so that every matmul, on the CPU and on the GPU, is a dot product of an
/// input row with a contiguous weight row.
/// </summary>
public sealed class LayerWeights
{
    public required float[] Ln1Weight { get; init; }      // (C)
    public required float[] Ln1Bias { get; init; }        // (C)
    public required float[] QkvWeight { get; init; }      // (3C, C)
    public required float[] QkvBias { get; init; }        // (3C)
    public required float[] AttnProjWeight { get; init; } // (C, C)
    public required float[] AttnProjBias { get; init; }   // (C)
    public required float[] Ln2Weight { get; init; }      // (C)
    public required float[] Ln2Bias { get; init; }        // (C)
    public required float[] FcWeight { get; init; }       // (4C, C)
    public required float[] FcBias { get; init; }         // (4C)
    public required float[] FcProjWeight { get; init; }   // (C, 4C)
    public required float[] FcProjBias { get; init; }     // (C)
}

/// <summary>A whole GPT-2: embeddings, blocks, final layernorm and the (usually tied) lm_head.</summary>
public sealed class GptWeights
{
    public required GptConfig Config { get; init; }
    public required float[] TokenEmbedding { get; init; }    // wte (V, C)
    public required float[] PositionEmbedding { get; init; } // wpe (maxT, C)
    public required LayerWeights[] Layers { get; init; }
    public required float[] LnFWeight { get; init; }         // (C)
    public required float[] LnFBias { get; init; }           // (C)

    /// <summary>An untied lm_head (V, C) when the checkpoint has one; null means tied to wte.</summary>
    public float[]? UntiedLmHead { get; init; }

    /// <summary>The matrix that maps the final hidden state to logits, (V, C).</summary>
    public float[] LmHead => UntiedLmHead ?? TokenEmbedding;
}
