// Tests for model resolution: folders, the HuggingFace hub cache layout and the default model.
using Playground.Model.Checkpoints;
using Playground.Model.Tests.IO;

namespace Playground.Model.Tests.Checkpoints;

public sealed class ModelLocatorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>An environment whose every directory lies inside the test's temporary folder.</summary>
    private ModelSearchEnvironment Environment(string? hubCache = null, string? hfHome = null, string? xdgCache = null) => new(
        hubCache, hfHome, xdgCache,
        HomeDirectory: Made("home"),
        CurrentDirectory: Made("work"),
        BaseDirectory: Made("app", "bin"));

    private string Made(params string[] parts) => Directory.CreateDirectory(_folder.Combine(parts)).FullName;

    /// <summary>Lays out models--{id}/refs/main and snapshots/{commit}/ the way huggingface_hub does.</summary>
    private string FakeHubSnapshot(string hub, string repositoryFolder, string commit, bool withWeights = true, bool writeMainRef = true)
    {
        string repository = Path.Combine(hub, repositoryFolder);
        string snapshot = Directory.CreateDirectory(Path.Combine(repository, "snapshots", commit)).FullName;
        File.WriteAllText(Path.Combine(snapshot, "config.json"), "{}");
        if (withWeights) File.WriteAllBytes(Path.Combine(snapshot, "model.safetensors"), [0]);
        if (writeMainRef)
        {
            Directory.CreateDirectory(Path.Combine(repository, "refs"));
            File.WriteAllText(Path.Combine(repository, "refs", "main"), commit);
        }
        return snapshot;
    }

    [Fact]
    public void An_existing_folder_resolves_to_its_full_path()
    {
        string model = Made("some", "model");

        Assert.Equal(model, ModelLocator.Resolve(model, Environment()));
    }

    [Fact]
    public void A_relative_folder_is_resolved_against_the_current_directory()
    {
        ModelSearchEnvironment environment = Environment();
        string model = Directory.CreateDirectory(Path.Combine(environment.CurrentDirectory, "mine")).FullName;

        Assert.Equal(model, ModelLocator.Resolve("mine", environment));
    }

    [Fact]
    public void A_hub_name_resolves_to_the_snapshot_refs_main_names()
    {
        string hub = Made("hub");
        FakeHubSnapshot(hub, "models--gpt2", "0ld", writeMainRef: false);
        string expected = FakeHubSnapshot(hub, "models--gpt2", "abc123");

        Assert.Equal(expected, ModelLocator.Resolve("gpt2", Environment(hubCache: hub)));
    }

    [Fact]
    public void A_hub_snapshot_made_of_links_to_blobs_loads()
    {
        // huggingface_hub stores each file once under blobs/ and links to it from every snapshot.
        string hub = Made("hub");
        string saved = _folder.Combine("saved");
        GptCheckpoint.Save(RandomWeights.Create(new GptConfig(1, 2, 8, 4, 10), seed: 3), saved);
        string snapshot = FakeHubSnapshot(hub, "models--gpt2", "abc", withWeights: false);
        string blobs = Made("hub", "models--gpt2", "blobs");
        foreach (string name in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(saved, name), Path.Combine(blobs, name + ".blob"));
            File.Delete(Path.Combine(snapshot, name));
            File.CreateSymbolicLink(Path.Combine(snapshot, name), Path.Combine("..", "..", "blobs", name + ".blob"));
        }

        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelLocator.Resolve("gpt2", Environment(hubCache: hub)));

        Assert.Equal(GptCheckpoint.Load(saved).Weights.TokenEmbedding, loaded.Weights.TokenEmbedding);
        Assert.Equal(new FileInfo(Path.Combine(saved, "model.safetensors")).Length, loaded.Info.FileBytes);
    }

    [Fact]
    public void A_bare_name_is_also_looked_up_under_openai_community()
    {
        string hub = Made("hub");
        string expected = FakeHubSnapshot(hub, "models--openai-community--gpt2", "abc");

        Assert.Equal(expected, ModelLocator.Resolve("gpt2", Environment(hubCache: hub)));
    }

    [Fact]
    public void An_openai_community_name_is_also_looked_up_under_its_legacy_bare_name()
    {
        string hub = Made("hub");
        string expected = FakeHubSnapshot(hub, "models--gpt2", "abc");

        Assert.Equal(expected, ModelLocator.Resolve("openai-community/gpt2", Environment(hubCache: hub)));
    }

    [Fact]
    public void An_organisation_name_maps_to_its_own_cache_folder()
    {
        string hub = Made("hub");
        string expected = FakeHubSnapshot(hub, "models--someone--tiny-gpt", "abc");

        Assert.Equal(expected, ModelLocator.Resolve("someone/tiny-gpt", Environment(hubCache: hub)));
    }

    [Fact]
    public void HF_HUB_CACHE_wins_over_HF_HOME()
    {
        string hubCache = Made("hubcache"), hfHome = Made("hfhome");
        string expected = FakeHubSnapshot(hubCache, "models--gpt2", "a");
        FakeHubSnapshot(Path.Combine(hfHome, "hub"), "models--gpt2", "b");

        Assert.Equal(expected, ModelLocator.Resolve("gpt2", Environment(hubCache: hubCache, hfHome: hfHome)));
    }

    [Fact]
    public void HF_HOME_hub_is_used_without_HF_HUB_CACHE()
    {
        string hfHome = Made("hfhome");
        string expected = FakeHubSnapshot(Path.Combine(hfHome, "hub"), "models--gpt2", "b");

        Assert.Equal(expected, ModelLocator.Resolve("gpt2", Environment(hfHome: hfHome)));
    }

    [Fact]
    public void Without_HF_variables_the_cache_is_under_XDG_CACHE_HOME_else_the_home_folder()
    {
        string xdg = Made("xdg");
        ModelSearchEnvironment withXdg = Environment(xdgCache: xdg), withoutXdg = Environment();
        string inXdg = FakeHubSnapshot(Path.Combine(xdg, "huggingface", "hub"), "models--gpt2", "x");
        string inHome = FakeHubSnapshot(Path.Combine(withoutXdg.HomeDirectory, ".cache", "huggingface", "hub"), "models--gpt2", "h");

        Assert.Equal(inXdg, ModelLocator.Resolve("gpt2", withXdg));
        Assert.Equal(inHome, ModelLocator.Resolve("gpt2", withoutXdg));
    }

    [Fact]
    public void Without_a_usable_refs_main_the_newest_snapshot_with_weights_is_used()
    {
        string hub = Made("hub");
        string older = FakeHubSnapshot(hub, "models--gpt2", "older", writeMainRef: false);
        string newer = FakeHubSnapshot(hub, "models--gpt2", "newer", writeMainRef: false);
        FakeHubSnapshot(hub, "models--gpt2", "newest-but-empty", withWeights: false); // refs/main points here
        Directory.SetLastWriteTimeUtc(older, new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Directory.SetLastWriteTimeUtc(newer, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal(newer, ModelLocator.Resolve("gpt2", Environment(hubCache: hub)));
    }

    [Fact]
    public void A_cached_repository_without_safetensors_is_reported()
    {
        string hub = Made("hub");
        FakeHubSnapshot(hub, "models--gpt2", "abc", withWeights: false);

        var error = Assert.Throws<ModelFormatException>(() => ModelLocator.Resolve("gpt2", Environment(hubCache: hub)));

        Assert.Contains("models--gpt2", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_is_reported_with_every_place_looked_in()
    {
        string hub = Made("hub");

        var error = Assert.Throws<ModelFormatException>(() => ModelLocator.Resolve("nosuchmodel", Environment(hubCache: hub)));

        Assert.StartsWith("nosuchmodel: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(hub, "models--nosuchmodel"), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(hub, "models--openai-community--nosuchmodel"), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_folder.Path, "work", "nosuchmodel"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_prefers_a_bundled_models_default_above_the_binary()
    {
        ModelSearchEnvironment environment = Environment(xdgCache: Made("xdg"));
        string bundled = Made("app", "models", "default");
        File.WriteAllText(Path.Combine(bundled, "config.json"), "{}");

        Assert.Equal(bundled, ModelLocator.Resolve("default", environment));
        Assert.False(Directory.Exists(Path.Combine(environment.CacheHome, "playground")));
    }

    [Fact]
    public void Default_finds_a_bundled_model_above_the_current_directory()
    {
        ModelSearchEnvironment environment = Environment(xdgCache: Made("xdg")) with { CurrentDirectory = Made("repo", "src", "deep") };
        string bundled = Made("repo", "models", "default");
        File.WriteAllText(Path.Combine(bundled, "config.json"), "{}");

        Assert.Equal(bundled, ModelLocator.Resolve("default", environment));
    }

    [Fact]
    public void Default_without_a_bundled_model_is_generated_once_into_the_cache()
    {
        ModelSearchEnvironment environment = Environment(xdgCache: Made("xdg"));

        string folder = ModelLocator.Resolve("default", environment);
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors"));
        string again = ModelLocator.Resolve("default", environment);
        LoadedCheckpoint loaded = GptCheckpoint.Load(folder);

        Assert.Equal(Path.Combine(environment.CacheHome, "playground", GeneratedDefaultModel.FolderName), folder);
        Assert.Equal(folder, again);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(GeneratedDefaultModel.Config, loaded.Config);
    }

    [Fact]
    public void The_generated_default_is_the_same_everywhere()
    {
        string first = GeneratedDefaultModel.Ensure(_folder.Combine("one", "default"));
        string second = GeneratedDefaultModel.Ensure(_folder.Combine("two", "default"));

        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "model.safetensors")), File.ReadAllBytes(Path.Combine(second, "model.safetensors")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "config.json")), File.ReadAllBytes(Path.Combine(second, "config.json")));
    }

    [Fact]
    public void Concurrent_first_uses_of_the_default_all_get_one_complete_model()
    {
        string target = _folder.Combine("cache", "default");

        string[] results = Enumerable.Range(0, 4).AsParallel().WithDegreeOfParallelism(4)
            .Select(_ => GeneratedDefaultModel.Ensure(target)).ToArray();

        Assert.All(results, result => Assert.Equal(Path.GetFullPath(target), result));
        Assert.Equal(GeneratedDefaultModel.Config, GptCheckpoint.Load(target).Config);
        Assert.Equal([Path.GetFullPath(target)], Directory.GetFileSystemEntries(_folder.Combine("cache")));
    }
}
