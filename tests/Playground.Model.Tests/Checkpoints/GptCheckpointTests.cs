// Tests for loading and saving GPT-2 checkpoints in HuggingFace's config.json + model.safetensors layout.
using Playground.Model.Checkpoints;
using Playground.Model.Tests.IO;

namespace Playground.Model.Tests.Checkpoints;

public sealed class GptCheckpointTests : IDisposable
{
    private static readonly GptConfig Tiny = new(NLayer: 2, NHead: 2, NEmbd: 8, NPositions: 16, VocabSize: 24, EosTokenId: 23);

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string ModelFolder => _folder.Combine("model");

    private string WeightsPath => Path.Combine(ModelFolder, "model.safetensors");

    private string ConfigPath => Path.Combine(ModelFolder, "config.json");

    [Fact]
    public void F32_save_then_load_gives_identical_weights()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 1);

        GptCheckpoint.Save(original, ModelFolder);
        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        Assert.Equal(Tiny, loaded.Config);
        AssertWeights(original, loaded.Weights, (expected, actual) => Assert.Equal(expected, actual));
        Assert.Null(loaded.Weights.UntiedLmHead);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_weight_is_reported_with_its_tensor(float poison)
    {
        GptWeights weights = RandomWeights.Create(Tiny, seed: 1);
        weights.Layers[1].FcWeight[5] = poison;
        GptCheckpoint.Save(weights, ModelFolder);

        var e = Assert.Throws<ModelFormatException>(() => GptCheckpoint.Load(ModelFolder));

        Assert.Contains("h.1.mlp.c_fc.weight", e.Message);
        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void F16_save_then_load_rounds_each_value_like_System_Half()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 2);

        GptCheckpoint.Save(original, ModelFolder, SafetensorsDtype.F16);
        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        AssertWeights(original, loaded.Weights, (expected, actual) => Assert.Equal(expected.Select(v => (float)(Half)v), actual));
        Assert.Equal(["F16"], loaded.Info.SourceDtypes);
    }

    [Fact]
    public void BF16_save_then_load_is_within_bfloat16_rounding()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 3);

        GptCheckpoint.Save(original, ModelFolder, SafetensorsDtype.BF16);
        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        // 8 significant bits: rounding moves a value by at most half a unit in the last place, 2^-8 relative.
        AssertWeights(original, loaded.Weights, (expected, actual) =>
        {
            for (int i = 0; i < expected.Length; i++) Assert.InRange(Math.Abs(actual[i] - expected[i]), 0, Math.Abs(expected[i]) * MathF.Pow(2, -8));
        });
        Assert.Equal(["BF16"], loaded.Info.SourceDtypes);
    }

    [Fact]
    public void Saved_files_use_the_HuggingFace_names_and_Conv1D_in_out_layout()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 4);
        GptCheckpoint.Save(original, ModelFolder);
        int c = Tiny.NEmbd;

        using var file = SafetensorsFile.Open(WeightsPath);
        float[] cAttn = file.ReadFloat32("transformer.h.1.attn.c_attn.weight");

        Assert.Equal([c, 3L * c], file.Tensors["transformer.h.1.attn.c_attn.weight"].Shape);
        Assert.Equal([4L * c, c], file.Tensors["transformer.h.0.mlp.c_proj.weight"].Shape);
        // HF Conv1D computes x @ W with W (in, out); ours is (out, in): element [i, o] there is [o, i] here.
        for (int i = 0; i < c; i++)
        {
            for (int o = 0; o < 3 * c; o++) Assert.Equal(original.Layers[1].QkvWeight[o * c + i], cAttn[i * 3 * c + o]);
        }
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.DoesNotContain("lm_head.weight", file.Tensors.Keys);
        Assert.Equal(Tiny, GptConfigFile.Read(ConfigPath));
    }

    [Fact]
    public void Tensors_without_the_transformer_prefix_load_the_same()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 5);
        GptCheckpoint.Save(original, ModelFolder);
        SafetensorsWriter.Write(WeightsPath, GptCheckpoint.HuggingFaceTensors(original, prefix: ""));

        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        AssertWeights(original, loaded.Weights, (expected, actual) => Assert.Equal(expected, actual));
        Assert.False(loaded.Info.HasTransformerPrefix);
    }

    [Fact]
    public void An_lm_head_weight_is_used_as_the_untied_head()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 6, untiedLmHead: true);

        GptCheckpoint.Save(original, ModelFolder);
        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        Assert.Equal(original.UntiedLmHead, loaded.Weights.UntiedLmHead);
        Assert.Equal(original.UntiedLmHead, loaded.Weights.LmHead);
        Assert.True(loaded.Info.HasUntiedLmHead);
        Assert.Equal(Tiny.ParameterCount + (long)Tiny.VocabSize * Tiny.NEmbd, loaded.Info.ParameterCount);
    }

    [Fact]
    public void An_lm_head_weight_equal_to_wte_is_treated_as_tied()
    {
        GptWeights tied = RandomWeights.Create(Tiny, seed: 7);
        GptCheckpoint.Save(tied, ModelFolder);
        var withCopiedHead = GptCheckpoint.HuggingFaceTensors(tied, "transformer.").ToList();
        withCopiedHead.Add(new SafetensorsTensor("lm_head.weight", [Tiny.VocabSize, Tiny.NEmbd], tied.TokenEmbedding.ToArray()));
        SafetensorsWriter.Write(WeightsPath, withCopiedHead);

        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        Assert.Null(loaded.Weights.UntiedLmHead);
        Assert.Equal(tied.TokenEmbedding, loaded.Weights.LmHead);
    }

    [Fact]
    public void Attention_mask_buffers_are_ignored()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 8);
        GptCheckpoint.Save(original, ModelFolder);
        int t = Tiny.NPositions;
        var tensors = GptCheckpoint.HuggingFaceTensors(original, "").ToList();
        tensors.Add(new SafetensorsTensor("h.0.attn.bias", [1, 1, t, t], new float[t * t]));
        tensors.Add(new SafetensorsTensor("h.0.attn.masked_bias", [], new float[] { -1e4f }));
        SafetensorsWriter.Write(WeightsPath, tensors);

        LoadedCheckpoint loaded = GptCheckpoint.Load(ModelFolder);

        AssertWeights(original, loaded.Weights, (expected, actual) => Assert.Equal(expected, actual));
        Assert.Equal(tensors.Count, loaded.Info.TensorCount);
    }

    [Fact]
    public void Info_describes_the_file()
    {
        GptCheckpoint.Save(RandomWeights.Create(Tiny, seed: 9), ModelFolder);

        CheckpointInfo info = GptCheckpoint.Load(ModelFolder).Info;

        Assert.Equal(Path.GetFullPath(ModelFolder), info.Folder);
        Assert.Equal(["F32"], info.SourceDtypes);
        Assert.Equal(new FileInfo(WeightsPath).Length, info.FileBytes);
        Assert.Equal(4 + 12 * Tiny.NLayer, info.TensorCount);
        Assert.Equal(Tiny.ParameterCount, info.ParameterCount);
        Assert.True(info.HasTransformerPrefix);
    }

    [Fact]
    public void Missing_weights_file_is_reported()
    {
        GptConfigFile.Write(ConfigPath, Tiny);
        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "not found");
    }

    [Fact]
    public void Missing_config_file_is_reported()
    {
        GptCheckpoint.Save(RandomWeights.Create(Tiny, seed: 14), ModelFolder);
        File.Delete(ConfigPath);

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "config.json", "file not found");
    }

    [Fact]
    public void Missing_tensor_is_reported()
    {
        GptWeights original = RandomWeights.Create(Tiny, seed: 10);
        GptCheckpoint.Save(original, ModelFolder);
        SafetensorsWriter.Write(WeightsPath,
            GptCheckpoint.HuggingFaceTensors(original, "transformer.").Where(t => t.Name != "transformer.h.1.mlp.c_fc.bias").ToList());

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "'transformer.h.1.mlp.c_fc.bias' is missing");
    }

    [Fact]
    public void Tensor_shape_that_contradicts_the_config_is_reported()
    {
        GptCheckpoint.Save(RandomWeights.Create(Tiny, seed: 11), ModelFolder);
        GptConfigFile.Write(ConfigPath, Tiny with { NPositions = 32 });

        var error = AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "'transformer.wpe.weight' has shape (16, 8)");
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs (32, 8)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocks_beyond_n_layer_are_reported()
    {
        GptCheckpoint.Save(RandomWeights.Create(Tiny, seed: 13), ModelFolder);
        GptConfigFile.Write(ConfigPath, Tiny with { NLayer = 1 });

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "of block h.1 but config.json says n_layer=1");
    }

    [Fact]
    public void Needed_tensor_of_unsupported_dtype_is_reported()
    {
        GptConfigFile.Write(ConfigPath, Tiny with { NLayer = 1 });
        Directory.CreateDirectory(ModelFolder);
        RawSafetensors.Write(WeightsPath, """{"h.0.ln_1.weight":{"dtype":"I64","shape":[8],"data_offsets":[0,64]}}""", new byte[64]);

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "dtype I64");
    }

    [Fact]
    public void Needed_tensor_of_unknown_dtype_is_reported()
    {
        // Unknown dtypes cannot be size-checked when the header is read, so the load itself must refuse them.
        GptConfigFile.Write(ConfigPath, Tiny with { NLayer = 1 });
        RawSafetensors.Write(WeightsPath, """{"h.0.ln_1.weight":{"dtype":"F7","shape":[8],"data_offsets":[0,7]}}""", new byte[7]);

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "model.safetensors", "dtype F7");
    }

    [Fact]
    public void Missing_config_field_is_reported()
    {
        GptCheckpoint.Save(RandomWeights.Create(Tiny, seed: 12), ModelFolder);
        File.WriteAllText(ConfigPath, """{"n_layer": 2, "n_embd": 8, "n_positions": 16, "vocab_size": 24}""");

        AssertRejected(() => GptCheckpoint.Load(ModelFolder), "config.json", "n_head is missing");
    }

    [Fact]
    public void N_embd_not_divisible_by_n_head_is_reported()
    {
        File.WriteAllText(_folder.Combine("config.json"), """{"n_layer": 2, "n_head": 3, "n_embd": 8, "n_positions": 16, "vocab_size": 24}""");

        AssertRejected(() => GptConfigFile.Read(_folder.Combine("config.json")), "config.json", "n_embd (8) is not divisible by n_head (3)");
    }

    [Fact]
    public void Config_field_of_the_wrong_type_is_reported()
    {
        File.WriteAllText(_folder.Combine("config.json"), """{"n_layer": "two", "n_head": 2, "n_embd": 8, "n_positions": 16, "vocab_size": 24}""");

        AssertRejected(() => GptConfigFile.Read(_folder.Combine("config.json")), "config.json", "n_layer must be an integer");
    }

    [Fact]
    public void Config_of_another_architecture_is_reported()
    {
        File.WriteAllText(_folder.Combine("config.json"), """{"model_type": "llama", "n_layer": 2, "n_head": 2, "n_embd": 8, "n_positions": 16, "vocab_size": 24}""");

        AssertRejected(() => GptConfigFile.Read(_folder.Combine("config.json")), "config.json", "model_type 'llama'");
    }

    [Fact]
    public void Config_reads_n_ctx_when_n_positions_is_absent_and_defaults_the_optional_fields()
    {
        File.WriteAllText(_folder.Combine("config.json"), """{"n_layer": 2, "n_head": 2, "n_embd": 8, "n_ctx": 16, "vocab_size": 24}""");

        GptConfig config = GptConfigFile.Read(_folder.Combine("config.json"));

        Assert.Equal(new GptConfig(2, 2, 8, 16, 24, 1e-5f, "gelu_new", null), config);
    }

    private static ModelFormatException AssertRejected(Action action, string namedInMessage, string problem)
    {
        var error = Assert.Throws<ModelFormatException>(action);
        Assert.Contains(namedInMessage, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        return error;
    }

    /// <summary>Applies <paramref name="compare"/>(expected, actual) to every parameter array of two models.</summary>
    private static void AssertWeights(GptWeights expected, GptWeights actual, Action<float[], float[]> compare)
    {
        Assert.Equal(expected.Config, actual.Config);
        compare(expected.TokenEmbedding, actual.TokenEmbedding);
        compare(expected.PositionEmbedding, actual.PositionEmbedding);
        compare(expected.LnFWeight, actual.LnFWeight);
        compare(expected.LnFBias, actual.LnFBias);
        Assert.Equal(expected.Layers.Length, actual.Layers.Length);
        for (int l = 0; l < expected.Layers.Length; l++)
        {
            LayerWeights e = expected.Layers[l], a = actual.Layers[l];
            compare(e.Ln1Weight, a.Ln1Weight);
            compare(e.Ln1Bias, a.Ln1Bias);
            compare(e.QkvWeight, a.QkvWeight);
            compare(e.QkvBias, a.QkvBias);
            compare(e.AttnProjWeight, a.AttnProjWeight);
            compare(e.AttnProjBias, a.AttnProjBias);
            compare(e.Ln2Weight, a.Ln2Weight);
            compare(e.Ln2Bias, a.Ln2Bias);
            compare(e.FcWeight, a.FcWeight);
            compare(e.FcBias, a.FcBias);
            compare(e.FcProjWeight, a.FcProjWeight);
            compare(e.FcProjBias, a.FcProjBias);
        }
    }
}
