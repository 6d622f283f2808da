using System.Diagnostics;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// One worker's latencies in a preallocated array, so recording costs no allocation and no lock on the
/// hot path. When the array is full the oldest samples are overwritten: percentiles then describe the
/// end of the window, which is steady state anyway.
/// </summary>
internal sealed class LatencyRecorder(int capacity)
{
    private readonly long[] _ticks = new long[capacity];

    public long Completed { get; private set; }

    public long Failed { get; private set; }

    public void Record(long elapsedTicks)
    {
        _ticks[Completed % _ticks.Length] = elapsedTicks;
        Completed++;
    }

    public void RecordFailure() => Failed++;

    public ReadOnlySpan<long> Samples => _ticks.AsSpan(0, (int)Math.Min(Completed, _ticks.Length));

    public static double TicksToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
