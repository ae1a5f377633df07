// Reads and writes HuggingFace GPT2Config config.json files.
using System.Text.Json;
using System.Text.Json.Nodes;
using Playground.Model.IO;

namespace Playground.Model.Checkpoints;

public static class GptConfigFile
{
    /// <summary>
    /// Reads a GPT2Config config.json. n_positions falls back to the older n_ctx. Throws
    /// <see cref="ModelFormatException"/> naming the file and field for a missing, mistyped or contradictory field.
    /// </summary>
    public static GptConfig Read(string path)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new ModelFormatException(fullPath, "file not found");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(fullPath));
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(fullPath, $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ModelFormatException(fullPath, "must hold a JSON object");

            string? modelType = OptionalString(fullPath, root, "model_type");
            if (modelType is not null && modelType != "gpt2")
                throw new ModelFormatException(fullPath, $"model_type '{modelType}' is not supported (only gpt2)");
            // These switches change the attention math; silently ignoring them would produce wrong outputs.
            if (OptionalBool(fullPath, root, "scale_attn_weights") == false)
                throw new ModelFormatException(fullPath, "scale_attn_weights=false is not supported");
            if (OptionalBool(fullPath, root, "scale_attn_by_inverse_layer_idx") == true)
                throw new ModelFormatException(fullPath, "scale_attn_by_inverse_layer_idx=true is not supported");

            int nPositions = OptionalInt(fullPath, root, "n_positions")
                ?? OptionalInt(fullPath, root, "n_ctx")
                ?? throw new ModelFormatException(fullPath, "required field n_positions (or n_ctx) is missing");
            var config = new GptConfig(
                NLayer: RequiredInt(fullPath, root, "n_layer"),
                NHead: RequiredInt(fullPath, root, "n_head"),
                NEmbd: RequiredInt(fullPath, root, "n_embd"),
                NPositions: nPositions,
                VocabSize: RequiredInt(fullPath, root, "vocab_size"),
                LayerNormEpsilon: (float?)OptionalDouble(fullPath, root, "layer_norm_epsilon") ?? 1e-5f,
                ActivationFunction: OptionalString(fullPath, root, "activation_function") ?? "gelu_new",
                EosTokenId: OptionalInt(fullPath, root, "eos_token_id"));
            config.Validate(fullPath);
            return config;
        }
    }

    /// <summary>Writes <paramref name="config"/> as a config.json that transformers' GPT2LMHeadModel loads, atomically.</summary>
    public static void Write(string path, GptConfig config, bool tiedLmHead = true, SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["model_type"] = "gpt2",
            ["n_layer"] = config.NLayer,
            ["n_head"] = config.NHead,
            ["n_embd"] = config.NEmbd,
            ["n_positions"] = config.NPositions,
            ["n_ctx"] = config.NPositions,
            ["vocab_size"] = config.VocabSize,
            ["layer_norm_epsilon"] = config.LayerNormEpsilon,
            ["activation_function"] = config.ActivationFunction,
            ["tie_word_embeddings"] = tiedLmHead,
            ["torch_dtype"] = dtype switch
            {
                SafetensorsDtype.F16 => "float16",
                SafetensorsDtype.BF16 => "bfloat16",
                _ => "float32",
            },
        };
        if (config.EosTokenId is int eos)
        {
            json["bos_token_id"] = eos;
            json["eos_token_id"] = eos;
        }
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(json, IndentedOptions);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static readonly JsonSerializerOptions IndentedOptions = new() { WriteIndented = true };

    private static int RequiredInt(string path, JsonElement root, string field) =>
        OptionalInt(path, root, field) ?? throw new ModelFormatException(path, $"required field {field} is missing");

    private static int? OptionalInt(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new ModelFormatException(path, $"field {field} must be an integer, found {value.GetRawText()}");
    }

    private static double? OptionalDouble(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new ModelFormatException(path, $"field {field} must be a number, found {value.GetRawText()}");
    }

    private static string? OptionalString(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ModelFormatException(path, $"field {field} must be a string, found {value.GetRawText()}");
    }

    private static bool? OptionalBool(string path, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out JsonElement value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException(path, $"field {field} must be true or false, found {value.GetRawText()}"),
        };
    }
}
