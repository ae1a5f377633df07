// The GPT-2 hyper-parameters that shape a model, as read from a HuggingFace config.json.
namespace Playground.Model;

/// <summary>GPT-2 architecture settings. Field names follow HuggingFace's GPT2Config.</summary>
public sealed record GptConfig(
    int NLayer,
    int NHead,
    int NEmbd,
    int NPositions,
    int VocabSize,
    float LayerNormEpsilon = 1e-5f,
    string ActivationFunction = "gelu_new",
    int? EosTokenId = null)
{
    /// <summary>Channels per attention head.</summary>
    public int HeadSize => NEmbd / NHead;

    /// <summary>Number of learned parameters, counting a tied lm_head once.</summary>
    public long ParameterCount
    {
        get
        {
            long c = NEmbd;
            long perLayer = 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + 2 * c + (c * 4 * c + 4 * c) + (4 * c * c + c);
            return (long)VocabSize * c + (long)NPositions * c + NLayer * perLayer + 2 * c;
        }
    }

    /// <summary>Throws <see cref="ModelFormatException"/> when the settings cannot describe a GPT-2.</summary>
    public void Validate(string source)
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ModelFormatException(source, what);
        }
        Require(NLayer >= 1, $"n_layer must be at least 1, got {NLayer}");
        Require(NHead >= 1, $"n_head must be at least 1, got {NHead}");
        Require(NEmbd >= 1, $"n_embd must be at least 1, got {NEmbd}");
        Require(NEmbd % NHead == 0, $"n_embd ({NEmbd}) is not divisible by n_head ({NHead})");
        Require(NPositions >= 1, $"n_positions must be at least 1, got {NPositions}");
        Require(VocabSize >= 1, $"vocab_size must be at least 1, got {VocabSize}");
        Require(LayerNormEpsilon > 0 && float.IsFinite(LayerNormEpsilon), $"layer_norm_epsilon must be a positive number, got {LayerNormEpsilon}");
        Require(ActivationFunction is "gelu_new" or "gelu_pytorch_tanh", $"activation_function '{ActivationFunction}' is not supported (only gelu_new)");
        Require(EosTokenId is null || (EosTokenId >= 0 && EosTokenId < VocabSize), $"eos_token_id {EosTokenId} is outside the vocabulary of {VocabSize}");
    }
}

/// <summary>A model file or folder that cannot be used; the message names the file and what is wrong.</summary>
public sealed class ModelFormatException : Exception
{
    public ModelFormatException(string source, string problem) : base($"{source}: {problem}")
    {
        Source = source;
        Problem = problem;
    }

    public ModelFormatException() { Problem = ""; }
    public ModelFormatException(string message) : base(message) { Problem = message; }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { Problem = message; }

    public string Problem { get; }
}
