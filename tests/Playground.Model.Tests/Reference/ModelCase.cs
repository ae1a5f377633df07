// Small random GPT-2 shapes used across the reference tests, named so a failing case says which shape broke.
using Playground.Model;

namespace Playground.Model.Tests.Reference;

/// <summary>A random model shape plus the length T of the prompt run through it.</summary>
public sealed record ModelCase(int L, int H, int C, int V, int T, int NPositions, bool UntiedLmHead = false, int Seed = 1)
{
    public GptConfig Config => new(NLayer: L, NHead: H, NEmbd: C, NPositions: NPositions, VocabSize: V);

    public GptWeights CreateWeights() => RandomWeights.Create(Config, Seed, std: 0.2f, untiedLmHead: UntiedLmHead);

    /// <summary>A prompt of T tokens drawn with the case's seed.</summary>
    public int[] Prompt()
    {
        var random = new Random(Seed + 1000);
        return Enumerable.Range(0, T).Select(_ => random.Next(V)).ToArray();
    }

    public override string ToString()
    {
        string length = T == NPositions ? $"T={T}=n_positions" : $"T={T}";
        return $"gpt(L={L},H={H},C={C},V={V},{length}{(UntiedLmHead ? ",untied lm_head" : "")})";
    }

    /// <summary>Shapes chosen to catch indexing mistakes: odd head counts and sizes, a vocabulary that is not a
    /// multiple of 64, C not a multiple of 4, T=1, a prompt filling the whole context, and shapes large
    /// enough that the ops take their multi-threaded path.</summary>
    public static readonly ModelCase[] Shapes =
    [
        new(L: 2, H: 3, C: 48, V: 97, T: 16, NPositions: 32),
        new(L: 1, H: 1, C: 32, V: 64, T: 9, NPositions: 16),
        new(L: 2, H: 5, C: 30, V: 50, T: 12, NPositions: 16),
        new(L: 1, H: 3, C: 48, V: 97, T: 1, NPositions: 8),
        new(L: 2, H: 2, C: 20, V: 33, T: 24, NPositions: 24),
        new(L: 3, H: 4, C: 64, V: 130, T: 10, NPositions: 16, UntiedLmHead: true),
        new(L: 1, H: 2, C: 32, V: 41, T: 64, NPositions: 64),
    ];

    public static TheoryData<ModelCase> All() => new(Shapes);
}
