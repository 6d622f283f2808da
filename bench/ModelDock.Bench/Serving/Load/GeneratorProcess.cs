using System.Diagnostics;

namespace ModelDock.Bench.Serving.Load;

/// <summary>What a load generator process printed, and what the server and the generator cost over its window.</summary>
/// <param name="ServerCpuMicroseconds">The server's CPU time over the whole window (scaled from the sampled part).</param>
/// <param name="ClientCpuMicroseconds">The generator's CPU time over the whole window, likewise.</param>
internal sealed record GeneratorOutput(
    string Output,
    double ServerCpuMicroseconds,
    double ClientCpuMicroseconds,
    double ServerResidentBytes,
    double ServerPeakResidentBytes);

/// <summary>
/// Runs a load generator process to its end and samples CPU time inside its measurement window: the
/// generator exits right at the end of the window, and an exited process no longer reports its CPU
/// time, so both processes are read a margin inside the window and the sample is scaled to the whole.
/// </summary>
internal static class GeneratorProcess
{
    /// <summary>How far inside the window the samples are taken, at most a quarter of it at each end.</summary>
    private static readonly TimeSpan SampleMargin = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest a generator may run past its planned end before it counts as hung.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(60);

    /// <param name="windowStart">When the measurement window starts after launch (the generator's own warm-up).</param>
    public static async Task<GeneratorOutput> RunAsync(
        string executable,
        IEnumerable<string> arguments,
        TimeSpan windowStart,
        TimeSpan duration,
        Process server)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();

        var margin = TimeSpan.FromTicks(Math.Min(SampleMargin.Ticks, duration.Ticks / 4));
        await Task.Delay(windowStart + margin).ConfigureAwait(false);
        var sampled = Stopwatch.StartNew();
        var serverCpu = ProcessUsage.CpuMicroseconds(server);
        var clientCpu = ProcessUsage.CpuMicroseconds(process);
        await Task.Delay(duration - (2 * margin)).ConfigureAwait(false);
        serverCpu = ProcessUsage.CpuMicroseconds(server) - serverCpu;
        clientCpu = ProcessUsage.CpuMicroseconds(process) - clientCpu;
        var scale = duration / sampled.Elapsed;

        using (var timeout = new CancellationTokenSource(duration + Grace))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                throw new GeneratorHungException($"{Path.GetFileName(executable)} did not finish within {Grace.TotalSeconds} s of its duration.");
            }
        }

        var (resident, peak) = ProcessUsage.Memory(server);
        var text = await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}\n{text}");
        }

        return new GeneratorOutput(text, serverCpu * scale, clientCpu * scale, resident, peak);
    }
}
