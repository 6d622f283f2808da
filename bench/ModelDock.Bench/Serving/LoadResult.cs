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
    public double RequestsPerSecond => Requests / Seconds;

    public double RowsPerSecond => RequestsPerSecond * RowsPerRequest;
}
