// A loaded model with its tokenizer and a runner on the chosen backend, as every command needs them.
using Playground.Gpu.Context;
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;
using Playground.Model;
using Playground.Model.Checkpoints;
using Playground.Model.Reference;
using Playground.Model.Tokenizers;

namespace Playground.App.Cli;

/// <summary>Which implementation runs the model. Auto means the GPU whenever a GL 4.3 context can be made.</summary>
public enum BackendChoice { Auto, Cpu, Gpu }

/// <summary>
/// Resolves and loads a model, picks its tokenizer, and creates the runner. For the GPU it owns a headless EGL
/// context, current on the thread that made the session.
/// </summary>
public sealed class ModelSession : IDisposable
{
    private readonly Lazy<ITokenizer> _tokenizer;

    private ModelSession(LoadedCheckpoint checkpoint, IGptRunner runner, EglContext? context, GlDevice? device, string? fallbackNote)
    {
        Checkpoint = checkpoint;
        // Only text needs a tokenizer: logits, verify and bench run any vocabulary from token ids alone.
        _tokenizer = new Lazy<ITokenizer>(() => TokenizerFactory.For(checkpoint.Info.Folder, checkpoint.Config));
        Runner = runner;
        Context = context;
        Device = device;
        FallbackNote = fallbackNote;
    }

    public LoadedCheckpoint Checkpoint { get; }
    public GptConfig Config => Checkpoint.Config;
    /// <summary>The model's tokenizer, found on first use; throws ModelFormatException when the model has none.</summary>
    public ITokenizer Tokenizer => _tokenizer.Value;
    public IGptRunner Runner { get; }
    public EglContext? Context { get; }
    public GlDevice? Device { get; }

    /// <summary>Why Auto fell back to the CPU, to tell the user on stderr; null otherwise.</summary>
    public string? FallbackNote { get; }

    public static LoadedCheckpoint LoadCheckpoint(string modelSpec) => GptCheckpoint.Load(ModelLocator.Resolve(modelSpec));

    public static ModelSession Open(string modelSpec, BackendChoice backend, string? shaderDirectory, KernelVariant variant = KernelVariant.Fast)
    {
        LoadedCheckpoint checkpoint = LoadCheckpoint(modelSpec);
        if (backend == BackendChoice.Cpu)
            return new ModelSession(checkpoint, new CpuGptRunner(checkpoint.Weights), null, null, null);

        EglContext context;
        try
        {
            context = EglContext.Create();
        }
        catch (GpuUnavailableException e) when (backend == BackendChoice.Auto)
        {
            return new ModelSession(checkpoint, new CpuGptRunner(checkpoint.Weights), null, null, $"using the CPU backend: {e.Message}");
        }
        try
        {
            var device = new GlDevice(context);
            var runner = new GpuGptRunner(device, checkpoint.Weights, new GpuRunnerOptions { ShaderDirectory = shaderDirectory, Variant = variant });
            return new ModelSession(checkpoint, runner, context, device, null);
        }
        catch (GpuUnavailableException e) when (backend == BackendChoice.Auto)
        {
            // A context exists but cannot run this model (GL below 4.3, too little shared memory): the CPU still can.
            context.Dispose();
            return new ModelSession(checkpoint, new CpuGptRunner(checkpoint.Weights), null, null, $"using the CPU backend: {e.Message}");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Runner.Dispose();
        Context?.Dispose();
    }
}
