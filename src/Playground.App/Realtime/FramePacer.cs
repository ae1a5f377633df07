// Keeps frames at the display's refresh rate, also where the swap does not wait for vertical blank (e.g. on Xvfb).
using System.Diagnostics;

namespace Playground.App.Realtime;

/// <summary>
/// Sleeps before each swap until the frame's slot on a fixed schedule at the refresh rate. Without vsync (Xvfb, some
/// drivers) this is what keeps the loop from spinning and taking CPU time from the model. With vsync it costs
/// nothing: a frame woken just before a vertical blank is presented at that blank, and since the schedule advances
/// by one period per frame it stays locked to the blanks. A frame that runs late starts the schedule afresh rather
/// than rushing the next ones.
/// </summary>
public sealed class FramePacer
{
    // Wake a little early: sleeps overshoot, and a swap waiting for vsync absorbs the difference.
    private static readonly TimeSpan WakeEarly = TimeSpan.FromMilliseconds(1);

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan nextFrame;

    /// <param name="refreshHz">The display's refresh rate; 0 or less means 60.</param>
    public FramePacer(double refreshHz)
    {
        RefreshHz = refreshHz > 0 ? refreshHz : 60;
        Period = TimeSpan.FromSeconds(1 / RefreshHz);
    }

    public double RefreshHz { get; }

    public TimeSpan Period { get; }

    /// <summary>Call right before presenting: sleeps until this frame's slot.</summary>
    public void WaitForSlot()
    {
        var now = clock.Elapsed;
        nextFrame = nextFrame + Period > now ? nextFrame + Period : now;
        var wait = nextFrame - WakeEarly - now;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
    }
}
