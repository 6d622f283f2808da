namespace ModelDock.Bench.Serving;

/// <summary>
/// What one closed-loop run measured. Throughput counts model rows, not requests. CPU time and
/// allocations are the whole process's (client and server together) over the window, per request:
/// they hardly depend on what else the machine runs, unlike throughput.
/// </summary>
internal sealed record LoadResult(
    int Concurrency,
    long Requests,
    long Failures,
    double Seconds,
    int RowsPerRequest,
    double P50Milliseconds,
    double P99Milliseconds,
    double CpuMicrosecondsPerRequest,
    double AllocatedBytesPerRequest)
{
    /// <summary>
    /// CPU time of an external load generator per request; NaN when the load generator runs in this
    /// process, whose <see cref="CpuMicrosecondsPerRequest"/> then includes it.
    /// </summary>
    public double ClientCpuMicrosecondsPerRequest { get; init; } = double.NaN;

    public double RequestsPerSecond => Requests / Seconds;

    public double RowsPerSecond => RequestsPerSecond * RowsPerRequest;

    /// <summary>The median of each measure over repeated runs of one point; failures are summed.</summary>
    /// <summary>
    /// Bytes allocated per request, or NaN when the process-wide counter went backwards over the
    /// window (seen now and then with the server GC), so a bogus round does not enter the median.
    /// </summary>
    public static double AllocationPerRequest(long allocatedBytes, double requests) =>
        allocatedBytes < 0 ? double.NaN : allocatedBytes / requests;

    public static LoadResult Median(IReadOnlyList<LoadResult> runs)
    {
        static double Mid(IEnumerable<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            if (sorted.Length == 0)
            {
                return double.NaN;
            }

            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var first = runs[0];
        var seconds = runs.Sum(r => r.Seconds);
        return new LoadResult(
            first.Concurrency,
            (long)Math.Round(Mid(runs.Select(r => r.RequestsPerSecond)) * seconds),
            runs.Sum(r => r.Failures),
            seconds,
            first.RowsPerRequest,
            Mid(runs.Select(r => r.P50Milliseconds)),
            Mid(runs.Select(r => r.P99Milliseconds)),
            Mid(runs.Select(r => r.CpuMicrosecondsPerRequest)),
            Mid(runs.Select(r => r.AllocatedBytesPerRequest)))
        {
            ClientCpuMicrosecondsPerRequest = Mid(runs.Select(r => r.ClientCpuMicrosecondsPerRequest)),
        };
    }
}
