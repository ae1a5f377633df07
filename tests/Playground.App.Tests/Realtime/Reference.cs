// What the window's generation is checked against: the Generator that `playground generate` uses, on the CPU.
using Playground.App.Realtime;
using Playground.Model;
using Playground.Model.Generation;
using Playground.Model.Reference;
using Playground.Model.Sampling;

namespace Playground.App.Tests.Realtime;

internal static class Reference
{
    /// <summary>A byte-vocabulary model with a 64-token context: milliseconds per token on the CPU.</summary>
    public static GptConfig SmallConfig { get; } = new(NLayer: 2, NHead: 3, NEmbd: 48, NPositions: 64, VocabSize: 256);

    public static GptWeights SmallWeights(int seed = 1) => RandomWeights.Create(SmallConfig, seed);

    /// <summary>The Generator's tokens and stop reason for a prompt, as `generate` would produce them.</summary>
    public static (List<int> Tokens, StopReason? Stop) Generate(
        GptWeights weights, IReadOnlyList<int> prompt, SamplingSettings settings, int maxNewTokens, int? eos = null)
    {
        using var runner = new CpuGptRunner(weights);
        var generator = new Generator(runner, new Sampler(settings));
        var tokens = generator.Generate(prompt, maxNewTokens, eos).Select(token => token.Id).ToList();
        return (tokens, generator.Stats.StopReason);
    }

    /// <summary>A model thread on the CPU reference.</summary>
    public static ModelThread CpuThread(GptWeights weights) =>
        new(() => new RunnerSetup(new CpuGptRunner(weights), null), weights);

    /// <summary>Takes events until one matches <paramref name="last"/>; fails after a generous timeout instead of hanging.</summary>
    public static List<ModelEvent> TakeUntil(ModelThread thread, Func<ModelEvent, bool> last, int timeoutSeconds = 30)
    {
        var taken = new List<ModelEvent>();
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            while (thread.TryTake(out var e))
            {
                taken.Add(e);
                if (last(e))
                {
                    return taken;
                }
            }

            Thread.Sleep(1);
        }

        Assert.Fail($"the model thread did not finish within {timeoutSeconds} s; events: {string.Join(", ", taken)}");
        return taken;
    }

    /// <summary>Updates a session until its generation is over.</summary>
    public static void UntilOver(RealtimeSession session, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            session.Update();
            if (session.IsGenerationOver)
            {
                return;
            }

            Thread.Sleep(1);
        }

        Assert.Fail($"the generation did not end within {timeoutSeconds} s ({session.Tokens.Count} tokens, {session.Phase})");
    }
}
