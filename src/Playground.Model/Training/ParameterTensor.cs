// One learned tensor as the optimizer sees it: its values, its gradient and whether weight decay applies.
namespace Playground.Model.Training;

/// <summary>
/// A parameter of the model under training. <see cref="Name"/> is the HuggingFace name without the
/// "transformer." prefix; <see cref="Shape"/> is the layout held in memory, matrices (out, in).
/// </summary>
public sealed record ParameterTensor(string Name, int[] Shape, float[] Values, float[] Gradient)
{
    /// <summary>Matrices (embeddings and projection weights) are decayed; biases and layernorm gains are not.</summary>
    public bool Decays => Shape.Length >= 2;
}
