// The files of a resumable training run: the HuggingFace model, the optimizer's moments and the run's record.
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Playground.Model.Checkpoints;
using Playground.Model.IO;

namespace Playground.Model.Training;

/// <summary>
/// A checkpoint folder holds config.json + model.safetensors (the layout every model loader reads),
/// optimizer.safetensors (AdamW's m and v per parameter, as held in memory: matrices (out, in)) and
/// training.json (options, step, data fingerprint, loss history). Each file is replaced atomically (temporary
/// file, then rename), and training.json, written last, records the SHA-256 of the two tensor files: a folder
/// whose files do not belong together (a save cut short by a crash) is refused on resume instead of silently
/// mixing two steps.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFileName = "training.json";
    public const string OptimizerFileName = "optimizer.safetensors";

    private const string FormatName = "playground-training-v1";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The contents of training.json.</summary>
    public sealed record State
    {
        public string Format { get; init; } = FormatName;
        public required int Step { get; init; }
        public required TrainingOptions Options { get; init; }
        public required string CorpusDescription { get; init; }
        public required IReadOnlyList<string> CorpusFiles { get; init; }
        public required long CorpusBytes { get; init; }
        public required string CorpusSha256 { get; init; }
        public required string ModelSha256 { get; init; }
        public required string OptimizerSha256 { get; init; }
        public required int OptimizerUpdates { get; init; }
        public required TrainingHistory History { get; init; }
    }

    /// <summary>True when <paramref name="folder"/> holds a training run that <see cref="GptTrainer.Resume"/> could continue.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFileName));

    internal static void Write(string folder, GptTrainer trainer)
    {
        Directory.CreateDirectory(folder);
        string modelPath = Path.Combine(folder, GptCheckpoint.WeightsFileName);
        string optimizerPath = Path.Combine(folder, OptimizerFileName);

        GptCheckpoint.Save(trainer.Weights, folder);
        AdamW optimizer = trainer.Optimizer;
        IReadOnlyList<ParameterTensor> parameters = trainer.Model.Parameters;
        var tensors = new List<SafetensorsTensor>();
        for (int i = 0; i < parameters.Count; i++)
        {
            long[] shape = parameters[i].Shape.Select(d => (long)d).ToArray();
            tensors.Add(new SafetensorsTensor("m." + parameters[i].Name, shape, optimizer.FirstMoments[i]));
            tensors.Add(new SafetensorsTensor("v." + parameters[i].Name, shape, optimizer.SecondMoments[i]));
        }
        SafetensorsWriter.Write(optimizerPath, tensors, SafetensorsDtype.F32,
            new Dictionary<string, string> { ["format"] = FormatName, ["updates"] = optimizer.Updates.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var state = new State
        {
            Step = trainer.Step,
            Options = trainer.Options,
            CorpusDescription = trainer.Corpus.Description,
            CorpusFiles = trainer.Corpus.Files,
            CorpusBytes = trainer.Corpus.Bytes.Length,
            CorpusSha256 = trainer.Corpus.Fingerprint,
            ModelSha256 = FileSha256(modelPath),
            OptimizerSha256 = FileSha256(optimizerPath),
            OptimizerUpdates = optimizer.Updates,
            History = trainer.History,
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(state, JsonOptions);
        AtomicFile.Write(Path.Combine(folder, StateFileName), stream => stream.Write(json));
    }

    /// <summary>Reads training.json; throws <see cref="TrainingDataException"/> naming the file for anything wrong.</summary>
    public static State ReadState(string folder)
    {
        string path = Path.GetFullPath(Path.Combine(folder, StateFileName));
        if (!File.Exists(path))
        {
            throw new TrainingDataException($"{Path.GetFullPath(folder)}: holds no training run to resume ({StateFileName} not found)");
        }
        State? state;
        try
        {
            state = JsonSerializer.Deserialize<State>(File.ReadAllBytes(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new TrainingDataException($"{path}: is not a valid training record: {e.Message}", e);
        }
        if (state is null || state.Format != FormatName || state.Options is null || state.History is null || state.CorpusFiles is null)
        {
            throw new TrainingDataException($"{path}: is not a {FormatName} training record");
        }
        return state;
    }

    internal static GptWeights ReadWeights(string folder, State state)
    {
        string modelPath = Path.Combine(folder, GptCheckpoint.WeightsFileName);
        RequireHash(modelPath, state.ModelSha256);
        GptWeights weights = GptCheckpoint.Load(folder).Weights;
        if (weights.Config with { EosTokenId = null } != state.Options.ModelConfig)
        {
            throw new TrainingDataException($"{Path.GetFullPath(folder)}: {GptCheckpoint.ConfigFileName} does not describe the model {StateFileName} was training");
        }
        return weights;
    }

    internal static void ReadOptimizer(string folder, State state, IReadOnlyList<ParameterTensor> parameters, AdamW optimizer)
    {
        string path = Path.Combine(folder, OptimizerFileName);
        RequireHash(path, state.OptimizerSha256);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        for (int i = 0; i < parameters.Count; i++)
        {
            Read(file, "m." + parameters[i].Name, optimizer.FirstMoments[i]);
            Read(file, "v." + parameters[i].Name, optimizer.SecondMoments[i]);
        }
        optimizer.RestoreUpdates(state.OptimizerUpdates);
    }

    private static void Read(SafetensorsFile file, string name, float[] destination)
    {
        if (!file.Tensors.TryGetValue(name, out SafetensorsTensorInfo? tensor) || tensor.ElementCount != destination.Length)
        {
            throw new TrainingDataException($"{file.Path}: tensor '{name}' is missing or has the wrong size");
        }
        file.ReadFloat32(name, destination);
    }

    private static void RequireHash(string path, string expected)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new TrainingDataException($"{fullPath}: file not found (needed to resume the run)");
        }
        if (FileSha256(fullPath) != expected)
        {
            throw new TrainingDataException(
                $"{fullPath}: does not match {StateFileName} (a save was cut short?); the folder's files come from different steps and cannot be resumed");
        }
    }

    private static string FileSha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
