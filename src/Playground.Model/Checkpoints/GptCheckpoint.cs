// Loads and saves GPT-2 checkpoints in HuggingFace's layout: config.json + model.safetensors.
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Playground.Model.Checkpoints;

/// <summary>What `info` shows about a loaded checkpoint.</summary>
public sealed record CheckpointInfo(
    string Folder,
    IReadOnlyList<string> SourceDtypes,
    long FileBytes,
    int TensorCount,
    long ParameterCount,
    bool HasTransformerPrefix,
    bool HasUntiedLmHead,
    TimeSpan LoadTime);

/// <summary>A checkpoint read into memory.</summary>
public sealed record LoadedCheckpoint(GptWeights Weights, CheckpointInfo Info)
{
    public GptConfig Config => Weights.Config;
}

public static partial class GptCheckpoint
{
    public const string ConfigFileName = "config.json";
    public const string WeightsFileName = "model.safetensors";

    /// <summary>The prefix GPT2LMHeadModel puts on every tensor but lm_head; GPT2Model checkpoints have none.</summary>
    private const string TransformerPrefix = "transformer.";
    private const string LmHeadName = "lm_head.weight";

    /// <summary>
    /// Reads <paramref name="folder"/>/config.json and model.safetensors (F32, F16 or BF16) into float32 weights,
    /// transposing Conv1D matrices from (in, out) to (out, in). Tensors may carry a "transformer." prefix; an
    /// lm_head.weight is used as an untied head unless it equals wte. Throws <see cref="ModelFormatException"/>.
    /// </summary>
    public static LoadedCheckpoint Load(string folder)
    {
        var clock = Stopwatch.StartNew();
        string fullFolder = Path.GetFullPath(folder);
        if (!Directory.Exists(fullFolder)) throw new ModelFormatException(fullFolder, "model folder not found");
        string configPath = Path.Combine(fullFolder, ConfigFileName);
        GptConfig config = GptConfigFile.Read(configPath);

        using SafetensorsFile file = SafetensorsFile.Open(Path.Combine(fullFolder, WeightsFileName));
        string prefix = file.Contains(TransformerPrefix + "wte.weight") ? TransformerPrefix : "";
        RejectExtraLayers(file, config);
        var reader = new TensorReader(file, prefix, config, configPath);

        int c = config.NEmbd;
        var layers = new LayerWeights[config.NLayer];
        for (int l = 0; l < config.NLayer; l++)
        {
            string h = $"h.{l}.";
            layers[l] = new LayerWeights
            {
                Ln1Weight = reader.Vector(h + "ln_1.weight", c),
                Ln1Bias = reader.Vector(h + "ln_1.bias", c),
                QkvWeight = reader.Conv1DWeight(h + "attn.c_attn.weight", c, 3 * c),
                QkvBias = reader.Vector(h + "attn.c_attn.bias", 3 * c),
                AttnProjWeight = reader.Conv1DWeight(h + "attn.c_proj.weight", c, c),
                AttnProjBias = reader.Vector(h + "attn.c_proj.bias", c),
                Ln2Weight = reader.Vector(h + "ln_2.weight", c),
                Ln2Bias = reader.Vector(h + "ln_2.bias", c),
                FcWeight = reader.Conv1DWeight(h + "mlp.c_fc.weight", c, 4 * c),
                FcBias = reader.Vector(h + "mlp.c_fc.bias", 4 * c),
                FcProjWeight = reader.Conv1DWeight(h + "mlp.c_proj.weight", 4 * c, c),
                FcProjBias = reader.Vector(h + "mlp.c_proj.bias", c),
            };
        }

        float[] tokenEmbedding = reader.Matrix("wte.weight", config.VocabSize, c);
        float[]? lmHead = file.Contains(LmHeadName) ? reader.Matrix(LmHeadName, config.VocabSize, c, prefixed: false) : null;
        // Many exports store the tied head explicitly; keeping one array halves the memory and shows it is tied.
        if (lmHead is not null && lmHead.AsSpan().SequenceEqual(tokenEmbedding)) lmHead = null;

        var weights = new GptWeights
        {
            Config = config,
            TokenEmbedding = tokenEmbedding,
            PositionEmbedding = reader.Matrix("wpe.weight", config.NPositions, c),
            Layers = layers,
            LnFWeight = reader.Vector("ln_f.weight", c),
            LnFBias = reader.Vector("ln_f.bias", c),
            UntiedLmHead = lmHead,
        };

        var info = new CheckpointInfo(
            fullFolder,
            reader.SourceDtypes.Order(StringComparer.Ordinal).ToArray(),
            file.FileBytes,
            file.Tensors.Count,
            config.ParameterCount + (lmHead?.LongLength ?? 0),
            prefix.Length > 0,
            lmHead is not null,
            clock.Elapsed);
        return new LoadedCheckpoint(weights, info);
    }

    /// <summary>A file with more blocks than n_layer means the config is wrong; running part of the model would be garbage.</summary>
    private static void RejectExtraLayers(SafetensorsFile file, GptConfig config)
    {
        foreach (string name in file.Tensors.Keys)
        {
            Match block = LayerIndexPattern().Match(name);
            // An index too long for an int is certainly past n_layer.
            if (block.Success && (!int.TryParse(block.Groups[1].ValueSpan, CultureInfo.InvariantCulture, out int index) || index >= config.NLayer))
                throw new ModelFormatException(file.Path, $"has tensor '{name}' of block h.{block.Groups[1].Value} but {ConfigFileName} says n_layer={config.NLayer}");
        }
    }

    /// <summary>
    /// Writes <paramref name="weights"/> to <paramref name="folder"/> as config.json + model.safetensors in the layout
    /// transformers' GPT2LMHeadModel.save_pretrained produces ("transformer." prefix, Conv1D (in, out) matrices,
    /// lm_head.weight only when untied). Each file is replaced atomically.
    /// </summary>
    public static void Save(GptWeights weights, string folder, SafetensorsDtype dtype = SafetensorsDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(weights);
        weights.Config.Validate("weights to save");
        Directory.CreateDirectory(folder);
        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), HuggingFaceTensors(weights, TransformerPrefix), dtype,
            new Dictionary<string, string> { ["format"] = "pt" });
        // The config goes last: a folder with a config.json is then never missing its weights.
        GptConfigFile.Write(Path.Combine(folder, ConfigFileName), weights.Config, tiedLmHead: weights.UntiedLmHead is null, dtype);
    }

    /// <summary>The tensors of <paramref name="weights"/> under HuggingFace names and shapes, Conv1D transposed back.</summary>
    internal static IReadOnlyList<SafetensorsTensor> HuggingFaceTensors(GptWeights weights, string prefix)
    {
        GptConfig config = weights.Config;
        int c = config.NEmbd;
        // One scratch matrix serves every transpose: the writer consumes each tensor before producing the next.
        var scratch = new float[4 * c * c];
        var tensors = new List<SafetensorsTensor>
        {
            new(prefix + "wte.weight", [config.VocabSize, c], weights.TokenEmbedding),
            new(prefix + "wpe.weight", [config.NPositions, c], weights.PositionEmbedding),
        };

        void Conv1D(string name, float[] outIn, int inputs, int outputs) =>
            tensors.Add(new SafetensorsTensor(name, [inputs, outputs], () =>
            {
                Transpose(outIn, scratch, rows: outputs, columns: inputs);
                return scratch.AsMemory(0, inputs * outputs);
            }));

        for (int l = 0; l < config.NLayer; l++)
        {
            LayerWeights layer = weights.Layers[l];
            string h = $"{prefix}h.{l}.";
            tensors.Add(new(h + "ln_1.weight", [c], layer.Ln1Weight));
            tensors.Add(new(h + "ln_1.bias", [c], layer.Ln1Bias));
            Conv1D(h + "attn.c_attn.weight", layer.QkvWeight, c, 3 * c);
            tensors.Add(new(h + "attn.c_attn.bias", [3 * c], layer.QkvBias));
            Conv1D(h + "attn.c_proj.weight", layer.AttnProjWeight, c, c);
            tensors.Add(new(h + "attn.c_proj.bias", [c], layer.AttnProjBias));
            tensors.Add(new(h + "ln_2.weight", [c], layer.Ln2Weight));
            tensors.Add(new(h + "ln_2.bias", [c], layer.Ln2Bias));
            Conv1D(h + "mlp.c_fc.weight", layer.FcWeight, c, 4 * c);
            tensors.Add(new(h + "mlp.c_fc.bias", [4 * c], layer.FcBias));
            Conv1D(h + "mlp.c_proj.weight", layer.FcProjWeight, 4 * c, c);
            tensors.Add(new(h + "mlp.c_proj.bias", [c], layer.FcProjBias));
        }
        tensors.Add(new(prefix + "ln_f.weight", [c], weights.LnFWeight));
        tensors.Add(new(prefix + "ln_f.bias", [c], weights.LnFBias));
        if (weights.UntiedLmHead is not null) tensors.Add(new(LmHeadName, [config.VocabSize, c], weights.UntiedLmHead));
        return tensors;
    }

    // inp (rows, columns) -> out (columns, rows); blocked so both sides stay in cache.
    internal static void Transpose(ReadOnlySpan<float> input, Span<float> output, int rows, int columns)
    {
        const int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block)
        {
            int r1 = Math.Min(r0 + block, rows);
            for (int c0 = 0; c0 < columns; c0 += block)
            {
                int c1 = Math.Min(c0 + block, columns);
                for (int r = r0; r < r1; r++)
                {
                    for (int col = c0; col < c1; col++) output[col * rows + r] = input[r * columns + col];
                }
            }
        }
    }

    [GeneratedRegex(@"^(?:transformer\.)?h\.(\d+)\.")]
    private static partial Regex LayerIndexPattern();

    /// <summary>Reads named tensors with the shapes config.json implies, remembering which dtypes it met.</summary>
    private sealed class TensorReader(SafetensorsFile file, string prefix, GptConfig config, string configPath)
    {
        private float[]? _scratch;

        public HashSet<string> SourceDtypes { get; } = new(StringComparer.Ordinal);

        public float[] Vector(string name, int length) => Read(prefix + name, [length]);

        public float[] Matrix(string name, int rows, int columns, bool prefixed = true) =>
            Read(prefixed ? prefix + name : name, [rows, columns]);

        /// <summary>Reads a Conv1D weight stored (in, out) and returns it as (out, in).</summary>
        public float[] Conv1DWeight(string name, int inputs, int outputs)
        {
            string fullName = prefix + name;
            SafetensorsTensorInfo tensor = Require(fullName, [inputs, outputs]);
            int count = inputs * outputs;
            if (_scratch is null || _scratch.Length < count) _scratch = new float[count];
            Span<float> stored = _scratch.AsSpan(0, count);
            file.ReadFloat32(fullName, stored);
            RequireFinite(fullName, stored);
            SourceDtypes.Add(tensor.Dtype);
            float[] outIn = GC.AllocateUninitializedArray<float>(count);
            Transpose(stored, outIn, rows: inputs, columns: outputs);
            return outIn;
        }

        private float[] Read(string fullName, long[] shape)
        {
            SafetensorsTensorInfo tensor = Require(fullName, shape);
            SourceDtypes.Add(tensor.Dtype);
            float[] values = file.ReadFloat32(fullName);
            RequireFinite(fullName, values);
            return values;
        }

        // A NaN or infinite weight poisons every logit; better to name the tensor at load than fail while sampling.
        private void RequireFinite(string fullName, ReadOnlySpan<float> values)
        {
            if (values.IsEmpty || float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values))) return;
            int index = FirstNonFinite(values);
            throw new ModelFormatException(file.Path, $"tensor '{fullName}' holds a non-finite value ({values[index]}) at element {index}");
        }

        private static int FirstNonFinite(ReadOnlySpan<float> values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) return i;
            }
            return -1;
        }

        private SafetensorsTensorInfo Require(string fullName, long[] shape)
        {
            if (!file.Tensors.TryGetValue(fullName, out SafetensorsTensorInfo? tensor))
                throw new ModelFormatException(file.Path, $"tensor '{fullName}' is missing (the model in {Path.GetFileName(configPath)} has n_layer={config.NLayer})");
            if (!tensor.Shape.SequenceEqual(shape))
                throw new ModelFormatException(file.Path,
                    $"tensor '{fullName}' has shape ({string.Join(", ", tensor.Shape)}) but {Path.GetFileName(configPath)} " +
                    $"(n_embd={config.NEmbd}, n_positions={config.NPositions}, vocab_size={config.VocabSize}) needs ({string.Join(", ", shape)})");
            return tensor;
        }
    }
}
