// The stand-in default model: small random GPT-2 weights from a fixed seed, generated once into the user's cache.
namespace Playground.Model.Checkpoints;

public static class GeneratedDefaultModel
{
    /// <summary>Cache folder name; bump the version whenever the config, seed or generator changes.</summary>
    public const string FolderName = "default-v1";

    public const int Seed = 20240601;

    public const float Std = 0.2f;

    /// <summary>Byte-level vocabulary (256), so no tokenizer files are needed; small enough to generate instantly.</summary>
    public static GptConfig Config { get; } = new(NLayer: 4, NHead: 4, NEmbd: 128, NPositions: 256, VocabSize: 256);

    /// <summary>
    /// Returns <paramref name="folder"/>, generating the model there first if it has no config.json. Safe when
    /// several processes do this at once: each writes a private sibling folder and renames it into place, and the
    /// losers of that race discard theirs.
    /// </summary>
    public static string Ensure(string folder)
    {
        string target = Path.GetFullPath(folder);
        if (File.Exists(Path.Combine(target, GptCheckpoint.ConfigFileName))) return target;

        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            GptCheckpoint.Save(RandomWeights.Create(Config, Seed, Std), staging);
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (File.Exists(Path.Combine(target, GptCheckpoint.ConfigFileName)))
            {
                // Another process finished first; its model is identical to ours.
            }
            catch (IOException) when (Directory.Exists(target))
            {
                throw new ModelFormatException(target, $"exists but holds no {GptCheckpoint.ConfigFileName}; delete the folder to regenerate the default model");
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }
}
