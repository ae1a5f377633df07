// Per-pass GPU timings: each forward call comes back as one frame, grouped by pass kind, once its queries are done.
using Playground.Gpu.Gl;
using Playground.Gpu.Runtime;
using Playground.Model;

namespace Playground.Gpu.Tests.Gl;

public sealed class GpuTimerTests
{
    private static readonly GptConfig Config = new(NLayer: 2, NHead: 2, NEmbd: 32, NPositions: 16, VocabSize: 50);

    [Fact]
    public void Each_forward_call_is_one_frame_with_every_pass_kind_and_its_token_count()
    {
        using var gpu = new HeadlessGpu();
        using var runner = new GpuGptRunner(gpu.Device, RandomWeights.Create(Config, seed: 1));
        var frames = new List<PassTimings>();
        runner.Timer.Completed += frames.Add;

        runner.Forward([1, 2, 3, 4, 5]);
        runner.Forward([6]);
        runner.Forward([7], allPositions: true);
        runner.Timer.Poll(wait: true);

        Assert.Equal([5, 1, 1], frames.Select(f => f.Tokens));
        Assert.All(frames, f => Assert.Equal(Enum.GetValues<PassKind>(), f.Milliseconds.Keys.Order()));
        // Timestamps that never advanced (as GL_TIME_ELAPSED on llvmpipe) would sum to zero.
        Assert.All(frames, f => Assert.True(f.TotalMs > 0, $"frame of {f.Tokens} tokens: every pass took 0 ms"));
        Assert.Same(frames[^1], runner.Timer.Latest);
    }

    [Fact]
    public void A_disabled_timer_records_nothing()
    {
        using var gpu = new HeadlessGpu();
        using var runner = new GpuGptRunner(gpu.Device, RandomWeights.Create(Config, seed: 1), new GpuRunnerOptions { Timing = false });
        int frames = 0;
        runner.Timer.Completed += _ => frames++;

        runner.Forward([1, 2, 3]);
        runner.Timer.Poll(wait: true);

        Assert.Equal(0, frames);
        Assert.Null(runner.Timer.Latest);
    }
}
