using System.Diagnostics;
using ModelDock.Errors;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// A closed-loop load generator for targets in this process: each worker makes one call, waits for
/// it, and makes the next. Calls that start during warm-up or end after the window are not counted,
/// so throughput and percentiles describe only the fixed measurement window. CPU time and memory are
/// this process's, the generator's workers included.
/// </summary>
internal static class InProcessLoadGenerator
{
    public const string Name = "in process";

    /// <summary>Samples kept per second of measurement over all workers; enough for every target here.</summary>
    private const int SamplesPerSecond = 400_000;

    public static async Task<LoadResult> RunAsync(
        IInProcessTarget target,
        int concurrency,
        TimeSpan warmUp,
        TimeSpan duration)
    {
        var capacity = (int)Math.Max(4096, SamplesPerSecond * duration.TotalSeconds / concurrency);
        var recorders = new LatencyRecorder[concurrency];
        var senders = new IRequestSender[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            recorders[i] = new LatencyRecorder(capacity);
            senders[i] = target.CreateSender(i);
        }

        var start = Stopwatch.GetTimestamp();
        var windowStart = start + (long)(warmUp.TotalSeconds * Stopwatch.Frequency);
        var windowEnd = windowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        var window = Task.Run(async () =>
        {
            await Task.Delay(warmUp).ConfigureAwait(false);
            var cpu = Environment.CpuUsage.TotalTime;
            await Task.Delay(duration).ConfigureAwait(false);
            return Environment.CpuUsage.TotalTime - cpu;
        });
        var workers = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            var sender = senders[i];
            var recorder = recorders[i];
            workers[i] = Task.Run(() => WorkAsync(sender, recorder, windowStart, windowEnd));
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        var cpuTime = await window.ConfigureAwait(false);
        foreach (var sender in senders)
        {
            await sender.DisposeAsync().ConfigureAwait(false);
        }

        using var self = Process.GetCurrentProcess();
        var (resident, peak) = ProcessUsage.Memory(self);
        var result = Summarize(recorders, concurrency, duration.TotalSeconds, target.RowsPerRequest);
        return result with
        {
            ServerCpuMicrosecondsPerRequest = cpuTime.TotalMicroseconds / Math.Max(1, result.Requests),
            ServerResidentBytes = resident,
            ServerPeakResidentBytes = peak,
        };
    }

    private static async Task WorkAsync(IRequestSender sender, LatencyRecorder recorder, long windowStart, long windowEnd)
    {
        while (true)
        {
            var before = Stopwatch.GetTimestamp();
            if (before >= windowEnd)
            {
                return;
            }

            bool ok;
            try
            {
                ok = await sender.SendAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ModelDockException or InvalidOperationException)
            {
                ok = false;
            }

            var after = Stopwatch.GetTimestamp();
            if (before < windowStart || after > windowEnd)
            {
                continue;
            }

            if (ok)
            {
                recorder.Record(after - before);
            }
            else
            {
                recorder.RecordFailure();
            }
        }
    }

    private static LoadResult Summarize(LatencyRecorder[] recorders, int concurrency, double seconds, int rowsPerRequest)
    {
        long completed = 0, failed = 0;
        var total = 0;
        foreach (var r in recorders)
        {
            completed += r.Completed;
            failed += r.Failed;
            total += r.Samples.Length;
        }

        var all = new long[total];
        var offset = 0;
        foreach (var r in recorders)
        {
            r.Samples.CopyTo(all.AsSpan(offset));
            offset += r.Samples.Length;
        }

        Array.Sort(all);
        return new LoadResult(
            concurrency,
            completed,
            0,
            failed,
            seconds,
            rowsPerRequest,
            Percentile(all, 0.50),
            Percentile(all, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted samples, in milliseconds.</summary>
    private static double Percentile(long[] sorted, double quantile)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return LatencyRecorder.TicksToMilliseconds(sorted[Math.Clamp(rank, 0, sorted.Length - 1)]);
    }
}
