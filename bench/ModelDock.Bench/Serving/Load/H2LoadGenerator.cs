using System.Diagnostics;
using System.Globalization;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// h2load (nghttp2), a load generator in C: REST over HTTP/1.1 keep-alive (<c>--h1</c>), gRPC over
/// HTTP/2 cleartext with one stream per connection. h2load prints no percentiles, so latencies and
/// the statuses of refused requests come from its per-request log.
/// </summary>
internal sealed class H2LoadGenerator(string executable, int threads) : ILoadGenerator
{
    public string Name => "h2load";

    public bool CanDrive(HttpLoad load) => true;

    public async Task<LoadResult> RunAsync(HttpLoad load, int connections, TimeSpan warmUp, TimeSpan duration, Process server)
    {
        var bodyFile = Path.GetTempFileName();
        var logFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(bodyFile, load.Body).ConfigureAwait(false);

            // h2load logs only its measurement phase, which starts at least the warm-up after launch; the
            // log's wall-clock stamps are filtered on that too, in case a version logs the warm-up.
            var windowStart = UnixMicroseconds() + (long)warmUp.TotalMicroseconds;
            var run = await GeneratorProcess.RunAsync(
                executable,
                Arguments(load, connections, warmUp, duration, bodyFile, logFile),
                warmUp,
                duration,
                server).ConfigureAwait(false);

            var report = H2LoadReport.Parse(run.Output);
            var log = H2LoadLog.Read(File.ReadLines(logFile), windowStart);
            // A gRPC error is HTTP 200 with the status in trailers, which h2load does not read: such an
            // answer has fewer body bytes than a verified one, so the shortfall counts as failures.
            var missing = load.ResponseBytes > 0 ? Math.Max(0, report.Status2xx - (report.DataBytes / load.ResponseBytes)) : 0;
            var succeeded = report.Status2xx - missing;
            // h2load updates its done and 2xx counters at different moments, so a request at the window's
            // edge can be in one and not the other: a negative difference is not a failure.
            var failures = Math.Max(0, report.Done - report.Status2xx - log.Rejected) + missing;
            var perRequest = Math.Max(1, succeeded);
            return new LoadResult(
                connections,
                succeeded,
                log.Rejected,
                failures,
                duration.TotalSeconds,
                load.RowsPerRequest,
                H2LoadLog.PercentileMilliseconds(log.SuccessfulLatencies, 0.50),
                H2LoadLog.PercentileMilliseconds(log.SuccessfulLatencies, 0.99))
            {
                ServerCpuMicrosecondsPerRequest = run.ServerCpuMicroseconds / perRequest,
                ClientCpuMicrosecondsPerRequest = run.ClientCpuMicroseconds / perRequest,
                ServerResidentBytes = run.ServerResidentBytes,
                ServerPeakResidentBytes = run.ServerPeakResidentBytes,
            };
        }
        finally
        {
            File.Delete(bodyFile);
            File.Delete(logFile);
        }
    }

    private List<string> Arguments(HttpLoad load, int connections, TimeSpan warmUp, TimeSpan duration, string bodyFile, string logFile)
    {
        List<string> arguments =
        [
            "--clients=" + connections.ToString(CultureInfo.InvariantCulture),
            "--max-concurrent-streams=1",
            "--threads=" + Math.Min(threads, connections).ToString(CultureInfo.InvariantCulture),
            "--duration=" + duration.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--warm-up-time=" + warmUp.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            "--data=" + bodyFile,
            "--log-file=" + logFile,
        ];
        if (!load.Http2)
        {
            arguments.Add("--h1");
        }

        foreach (var header in load.Headers)
        {
            arguments.Add("--header=" + header);
        }

        arguments.Add(load.Url.ToString());
        return arguments;
    }

    private static long UnixMicroseconds() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
}
