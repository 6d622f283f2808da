using System.Diagnostics;

namespace ModelDock.Bench.Features;

/// <summary>Latency percentiles and throughput of one load run, from every request's own measurement.</summary>
internal readonly record struct LatencyStats(int Requests, double P50Ms, double P99Ms, double MaxMs, double RequestsPerSecond)
{
    public static LatencyStats From(long[] elapsedTicks, TimeSpan wall)
    {
        Array.Sort(elapsedTicks);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        double At(double q) => Ms(elapsedTicks[(int)Math.Round(q * (elapsedTicks.Length - 1))]);
        return new LatencyStats(elapsedTicks.Length, At(0.50), At(0.99), Ms(elapsedTicks[^1]), elapsedTicks.Length / wall.TotalSeconds);
    }
}
