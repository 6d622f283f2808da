namespace ModelDock.Bench.Serving;

/// <summary>What one closed-loop run measured. Throughput counts model rows, not requests.</summary>
internal sealed record LoadResult(
    int Concurrency,
    long Requests,
    long Failures,
    double Seconds,
    int RowsPerRequest,
    double P50Milliseconds,
    double P99Milliseconds)
{
    public double RequestsPerSecond => Requests / Seconds;

    public double RowsPerSecond => RequestsPerSecond * RowsPerRequest;
}
