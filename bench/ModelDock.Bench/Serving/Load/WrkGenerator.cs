using System.Diagnostics;
using System.Globalization;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// wrk, a load generator in C for HTTP/1.1 only, scripted in Lua (<see cref="WrkScript"/>). wrk has no
/// warm-up phase, so a separate run of the warm-up's length on as many connections comes first and is
/// not measured. Its latency histogram covers every answer: successful answers cannot be timed alone.
/// </summary>
internal sealed class WrkGenerator(string executable, int threads) : ILoadGenerator
{
    public string Name => "wrk";

    public bool CanDrive(HttpLoad load) => !load.Http2;

    public async Task<LoadResult> RunAsync(HttpLoad load, int connections, TimeSpan warmUp, TimeSpan duration, Process server)
    {
        var bodyFile = Path.GetTempFileName();
        var scriptFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(bodyFile, load.Body).ConfigureAwait(false);
            await File.WriteAllTextAsync(scriptFile, WrkScript.Create(load, bodyFile)).ConfigureAwait(false);
            await GeneratorProcess.RunAsync(executable, Arguments(load, connections, warmUp, scriptFile), TimeSpan.Zero, warmUp, server).ConfigureAwait(false);
            var run = await GeneratorProcess.RunAsync(executable, Arguments(load, connections, duration, scriptFile), TimeSpan.Zero, duration, server).ConfigureAwait(false);

            var report = WrkReport.Parse(run.Output);
            var perRequest = Math.Max(1, report.Succeeded);
            return new LoadResult(
                connections,
                report.Succeeded,
                report.Rejected,
                report.Other + report.SocketErrors,
                report.Seconds,
                load.RowsPerRequest,
                report.Succeeded + report.Rejected + report.Other > 0 ? report.P50Microseconds / 1000 : double.NaN,
                report.Succeeded + report.Rejected + report.Other > 0 ? report.P99Microseconds / 1000 : double.NaN)
            {
                ServerCpuMicrosecondsPerRequest = run.ServerCpuMicroseconds / perRequest,
                ClientCpuMicrosecondsPerRequest = run.ClientCpuMicroseconds / perRequest,
                ServerResidentBytes = run.ServerResidentBytes,
                ServerPeakResidentBytes = run.ServerPeakResidentBytes,
                LatencyIncludesRejected = true,
            };
        }
        finally
        {
            File.Delete(bodyFile);
            File.Delete(scriptFile);
        }
    }

    private List<string> Arguments(HttpLoad load, int connections, TimeSpan duration, string scriptFile) =>
    [
        "--threads", Math.Min(threads, connections).ToString(CultureInfo.InvariantCulture),
        "--connections", connections.ToString(CultureInfo.InvariantCulture),
        "--duration", duration.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
        // wrk's default 2 s timeout would drop the slow answers an overloaded server gives; nothing started in
        // the window may time out before the window ends.
        "--timeout", (duration.TotalSeconds + 10).ToString(CultureInfo.InvariantCulture) + "s",
        "--script", scriptFile,
        load.Url.ToString(),
    ];
}
