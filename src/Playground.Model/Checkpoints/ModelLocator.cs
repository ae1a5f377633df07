// Turns what a user types as a model ("default", a folder, "gpt2", "openai-community/gpt2") into a checkpoint folder.
using System.Text.RegularExpressions;

namespace Playground.Model.Checkpoints;

/// <summary>
/// The parts of the process environment model resolution depends on. Tests pass their own instead of changing
/// the real environment variables, which every test in the process shares.
/// </summary>
public sealed record ModelSearchEnvironment(
    string? HfHubCache,
    string? HfHome,
    string? XdgCacheHome,
    string HomeDirectory,
    string CurrentDirectory,
    string BaseDirectory)
{
    public static ModelSearchEnvironment FromProcess() => new(
        NonEmpty(Environment.GetEnvironmentVariable("HF_HUB_CACHE")),
        NonEmpty(Environment.GetEnvironmentVariable("HF_HOME")),
        NonEmpty(Environment.GetEnvironmentVariable("XDG_CACHE_HOME")),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        Environment.CurrentDirectory,
        AppContext.BaseDirectory);

    /// <summary>The HuggingFace hub cache, in the order huggingface_hub itself consults these variables.</summary>
    public string HubCacheDirectory =>
        HfHubCache ?? Path.Combine(HfHome ?? Path.Combine(CacheHome, "huggingface"), "hub");

    /// <summary>$XDG_CACHE_HOME, else ~/.cache.</summary>
    public string CacheHome => XdgCacheHome ?? Path.Combine(HomeDirectory, ".cache");

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

public static partial class ModelLocator
{
    /// <summary>The model name that means "the model that ships with Playground".</summary>
    public const string DefaultModelName = "default";

    /// <summary>Where a shipped (trained) default model lives, relative to the repository or the installed binary.</summary>
    public static readonly string BundledDefaultRelativePath = Path.Combine("models", "default");

    public static string Resolve(string spec) => Resolve(spec, ModelSearchEnvironment.FromProcess());

    /// <summary>
    /// Returns the folder holding config.json + model.safetensors for <paramref name="spec"/>: "default"; an existing
    /// folder; or a HuggingFace hub name found in the local hub cache (nothing is downloaded). Throws
    /// <see cref="ModelFormatException"/> listing the places it looked.
    /// </summary>
    public static string Resolve(string spec, ModelSearchEnvironment environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(environment);
        if (spec == DefaultModelName) return DefaultModel(environment);

        string asPath = Path.GetFullPath(ExpandHome(spec, environment), environment.CurrentDirectory);
        if (Directory.Exists(asPath)) return asPath;

        var looked = new List<string> { asPath };
        if (HubNamePattern().IsMatch(spec))
        {
            foreach (string repository in HubCacheFolders(spec, environment))
            {
                looked.Add(repository);
                if (!Directory.Exists(repository)) continue;
                return Snapshot(repository)
                    ?? throw new ModelFormatException(repository,
                        $"no snapshot holds {GptCheckpoint.WeightsFileName} (only safetensors checkpoints can be loaded; pytorch_model.bin cannot)");
            }
        }
        throw new ModelFormatException(spec, $"no such model folder or HuggingFace cache entry (looked in: {string.Join(", ", looked)})");
    }

    /// <summary>
    /// The default model: a shipped models/default (searched upward from the binary, then from the current
    /// directory) wins; otherwise a small random model generated once under the user's cache.
    /// </summary>
    public static string DefaultModel(ModelSearchEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return FindBundledDefault(environment.BaseDirectory)
            ?? FindBundledDefault(environment.CurrentDirectory)
            ?? GeneratedDefaultModel.Ensure(Path.Combine(environment.CacheHome, "playground", GeneratedDefaultModel.FolderName));
    }

    /// <summary>huggingface_hub's cache folders for <paramref name="spec"/>, most specific first.</summary>
    internal static IEnumerable<string> HubCacheFolders(string spec, ModelSearchEnvironment environment)
    {
        // The hub cache names a repository folder after the id it was requested by. Legacy ids such as "gpt2" now
        // redirect to "openai-community/gpt2", so a model may sit under either name.
        const string legacyOrganisation = "openai-community";
        string[] parts = spec.Split('/');
        IEnumerable<string> ids = parts.Length == 1
            ? [spec, $"{legacyOrganisation}/{spec}"]
            : parts[0] == legacyOrganisation ? [spec, parts[1]] : [spec];
        return ids.Select(id => Path.Combine(environment.HubCacheDirectory, "models--" + id.Replace("/", "--", StringComparison.Ordinal)));
    }

    /// <summary>The snapshot refs/main points at, else the newest snapshot that has model.safetensors.</summary>
    private static string? Snapshot(string repository)
    {
        string snapshots = Path.Combine(repository, "snapshots");
        string mainRef = Path.Combine(repository, "refs", "main");
        if (File.Exists(mainRef))
        {
            string commit = File.ReadAllText(mainRef).Trim();
            string pointed = Path.Combine(snapshots, commit);
            if (commit.Length > 0 && HasWeights(pointed)) return pointed;
        }
        if (!Directory.Exists(snapshots)) return null;
        return new DirectoryInfo(snapshots).EnumerateDirectories()
            .Where(d => HasWeights(d.FullName))
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Select(d => d.FullName)
            .FirstOrDefault();
    }

    private static bool HasWeights(string folder) => File.Exists(Path.Combine(folder, GptCheckpoint.WeightsFileName));

    private static string? FindBundledDefault(string start)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, BundledDefaultRelativePath);
            if (File.Exists(Path.Combine(candidate, GptCheckpoint.ConfigFileName))) return candidate;
        }
        return null;
    }

    private static string ExpandHome(string spec, ModelSearchEnvironment environment) =>
        spec == "~" || spec.StartsWith("~/", StringComparison.Ordinal)
            ? environment.HomeDirectory + spec[1..]
            : spec;

    // HuggingFace repository ids: "name" or "organisation/name", letters, digits, '-', '_', '.'.
    [GeneratedRegex(@"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")]
    private static partial Regex HubNamePattern();
}
