namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// What one closed-loop run measured over its fixed window. <see cref="Requests"/> counts successful
/// answers only; answers that refuse work for lack of capacity (429, 503) are <see cref="Rejected"/>;
/// everything else that did not succeed (other statuses, socket errors, short answers) is a failure.
/// </summary>
internal sealed record LoadResult(
    int Concurrency,
    long Requests,
    long Rejected,
    long Failures,
    double Seconds,
    int RowsPerRequest,
    double P50Milliseconds,
    double P99Milliseconds)
{
    /// <summary>CPU time of the server process over the window per successful answer.</summary>
    public double ServerCpuMicrosecondsPerRequest { get; init; } = double.NaN;

    /// <summary>CPU time of the load generator per successful answer; NaN when it runs in the server's process.</summary>
    public double ClientCpuMicrosecondsPerRequest { get; init; } = double.NaN;

    /// <summary>The server process's resident set at the end of the window.</summary>
    public double ServerResidentBytes { get; init; } = double.NaN;

    /// <summary>The largest resident set the server process had since it started.</summary>
    public double ServerPeakResidentBytes { get; init; } = double.NaN;

    /// <summary>
    /// True when the percentiles cover every answer, rejections included (wrk's Lua hooks have no clock to
    /// time successful answers alone); false when they cover successful answers only.
    /// </summary>
    public bool LatencyIncludesRejected { get; init; }

    public double RequestsPerSecond => Requests / Seconds;

    public double RowsPerSecond => RequestsPerSecond * RowsPerRequest;

    public double RejectedPerSecond => Rejected / Seconds;

    /// <summary>Rejections and failures together: the table's error count.</summary>
    public long Errors => Rejected + Failures;

    /// <summary>The median of each measure over repeated runs of one point; failures are summed.</summary>
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
            runs.Sum(r => r.Rejected),
            runs.Sum(r => r.Failures),
            seconds,
            first.RowsPerRequest,
            Mid(runs.Select(r => r.P50Milliseconds)),
            Mid(runs.Select(r => r.P99Milliseconds)))
        {
            ServerCpuMicrosecondsPerRequest = Mid(runs.Select(r => r.ServerCpuMicrosecondsPerRequest)),
            ClientCpuMicrosecondsPerRequest = Mid(runs.Select(r => r.ClientCpuMicrosecondsPerRequest)),
            ServerResidentBytes = Mid(runs.Select(r => r.ServerResidentBytes)),
            ServerPeakResidentBytes = runs.Select(r => r.ServerPeakResidentBytes).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Max(),
            LatencyIncludesRejected = first.LatencyIncludesRejected,
        };
    }
}
