using System.Diagnostics;
using System.Globalization;

namespace ModelDock.Bench.Serving;

/// <summary>
/// Drives an HTTP target with h2load (nghttp2), a load generator in C whose cost per request is a
/// fraction of the .NET clients', so on a small machine the cores go to the server under test. It runs
/// closed loop like <see cref="LoadGenerator"/>: C connections with one request in flight each.
/// </summary>
internal static class H2LoadGenerator
{
    private static readonly TimeSpan CpuSampleMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>The h2load executable on the PATH, or null when it is not installed.</summary>
    public static string? Find()
    {
        var name = OperatingSystem.IsWindows() ? "h2load.exe" : "h2load";
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<LoadResult> RunAsync(
        string executable,
        HttpLoad load,
        int concurrency,
        TimeSpan warmUp,
        TimeSpan duration)
    {
        var bodyFile = Path.GetTempFileName();
        var logFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(bodyFile, load.Body).ConfigureAwait(false);
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in Arguments(load, concurrency, warmUp, duration, bodyFile, logFile))
            {
                start.ArgumentList.Add(argument);
            }

            // h2load logs only its measurement phase, which starts at least the warm-up after launch; the
            // log's wall-clock stamps are filtered on that too, in case a version logs the warm-up.
            var windowStart = UnixMicroseconds() + (long)warmUp.TotalMicroseconds;
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();

            // CPU is sampled inside the window: h2load exits right at its end, and a process that has
            // exited no longer reports its CPU time. The sampled span is scaled to the whole window.
            await Task.Delay(warmUp + CpuSampleMargin).ConfigureAwait(false);
            var sampled = Stopwatch.StartNew();
            var serverCpu = Environment.CpuUsage.TotalTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clientCpu = ProcessorMicroseconds(process);
            await Task.Delay(duration - (2 * CpuSampleMargin)).ConfigureAwait(false);
            serverCpu = Environment.CpuUsage.TotalTime - serverCpu;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            clientCpu = ProcessorMicroseconds(process) - clientCpu;
            var sampledShare = sampled.Elapsed / duration;

            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                try
                {
                    await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill();
                    throw new InvalidOperationException($"h2load did not finish within a minute of its duration ({load.Url}).");
                }
            }

            var text = await output.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"h2load exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}\n{text}");
            }

            var report = H2LoadReport.Parse(text);
            var latencies = H2LoadLog.SuccessfulLatencies(File.ReadLines(logFile), windowStart);
            var requests = report.Status2xx;
            // h2load updates its done and 2xx counters at different moments, so a request at the window's
            // edge can be in one and not the other: a negative difference is not a failure.
            var failures = Math.Max(0, report.Done - report.Status2xx) + report.TimedOut + MissingAnswers(report, load.ResponseBytes);
            // h2load's own elapsed time includes the warm-up; its counters and log cover only the window.
            var perRequest = Math.Max(1, requests) * sampledShare;
            return new LoadResult(
                concurrency,
                requests,
                failures,
                duration.TotalSeconds,
                1,
                H2LoadLog.PercentileMilliseconds(latencies, 0.50),
                H2LoadLog.PercentileMilliseconds(latencies, 0.99),
                serverCpu.TotalMicroseconds / perRequest,
                LoadResult.AllocationPerRequest(allocated, perRequest))
            {
                ClientCpuMicrosecondsPerRequest = clientCpu / perRequest,
            };
        }
        finally
        {
            File.Delete(bodyFile);
            File.Delete(logFile);
        }
    }

    private static List<string> Arguments(HttpLoad load, int concurrency, TimeSpan warmUp, TimeSpan duration, string bodyFile, string logFile)
    {
        List<string> arguments =
        [
            "--clients=" + concurrency.ToString(CultureInfo.InvariantCulture),
            "--max-concurrent-streams=1",
            "--threads=1",
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

    /// <summary>
    /// Answers with a success status but fewer body bytes than the verified answer: how a gRPC error
    /// looks to h2load, which does not read trailers.
    /// </summary>
    private static long MissingAnswers(H2LoadReport report, long responseBytes) =>
        responseBytes > 0 ? Math.Max(0, report.Status2xx - (report.DataBytes / responseBytes)) : 0;

    /// <summary>NaN when a late wake-up on a busy machine finds h2load already exited.</summary>
    private static double ProcessorMicroseconds(Process process)
    {
        try
        {
            return process.TotalProcessorTime.TotalMicroseconds;
        }
        catch (InvalidOperationException)
        {
            return double.NaN;
        }
    }

    private static long UnixMicroseconds() => (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
}
