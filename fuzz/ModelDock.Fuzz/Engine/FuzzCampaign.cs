using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// Runs targets one after another, each with its own share of the inputs and of the time, and its workers in
/// parallel. Input <c>i</c> of a target is generated from a random source seeded by (seed, target, i) alone,
/// so any finding is reproduced by its seed and index whatever the scheduling was.
/// </summary>
internal static class FuzzCampaign
{
    public static async Task<CampaignReport> RunAsync(
        IReadOnlyList<IFuzzTarget> targets, FuzzSettings settings, ErrorLogRecorder errorLogs, TextWriter? progress = null)
    {
        var before = MemorySnapshot.Take();
        var totalShare = targets.Sum(t => t.Share);
        var reports = new List<TargetReport>();
        foreach (var target in targets)
        {
            var fraction = target.Share / totalShare;
            var inputs = Math.Max(1, (long)Math.Round(settings.Inputs * fraction));
            var duration = settings.Duration is { } d ? d * fraction : (TimeSpan?)null;
            errorLogs.Drain();
            var report = await RunTargetAsync(target, inputs, duration, settings, errorLogs);
            reports.Add(report);
            progress?.WriteLine($"{target.Name}: {report.Inputs:N0} inputs in {report.Elapsed.TotalSeconds:N1} s, {report.Failures:N0} findings");
        }

        var campaign = new CampaignReport(settings.Seed, reports, before, MemorySnapshot.Take());
        if (settings.OutputFolder is { } folder)
        {
            Save(campaign, folder);
        }

        return campaign;
    }

    /// <summary>The random source of input <paramref name="index"/> of <paramref name="target"/>.</summary>
    public static Random RandomFor(int seed, string target, long index)
    {
        // A stable hash (string.GetHashCode is randomized per process).
        var hash = (uint)seed * 2654435761u;
        foreach (var c in target)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return new Random((int)(hash ^ (uint)index ^ (uint)(index >> 32) * 40503u));
    }

    private static async Task<TargetReport> RunTargetAsync(
        IFuzzTarget target, long inputs, TimeSpan? duration, FuzzSettings settings, ErrorLogRecorder errorLogs)
    {
        var outcomes = new ConcurrentDictionary<string, long>();
        var findings = new ConcurrentQueue<(FuzzInput, string)>();
        long findingCount = 0;
        long next = -1;
        long done = 0;
        var clock = Stopwatch.StartNew();

        async Task Worker()
        {
            long index;
            while ((index = Interlocked.Increment(ref next)) < inputs && !(clock.Elapsed > duration))
            {
                var input = target.Generate(RandomFor(settings.Seed, target.Name, index));
                var outcome = await RunOneAsync(target, input, settings.HangTimeout);
                outcomes.AddOrUpdate(outcome.Label, 1, (_, n) => n + 1);
                Interlocked.Increment(ref done);
                if (outcome.Finding is { } finding)
                {
                    Interlocked.Increment(ref findingCount);
                    if (findings.Count < settings.KeptFindings)
                    {
                        findings.Enqueue((input, $"#{index}: {finding}"));
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, target.Parallelism).Select(_ => Task.Run(Worker)));
        return new TargetReport(
            target.Name, done, clock.Elapsed, new Dictionary<string, long>(outcomes), findingCount, [.. findings], errorLogs.Drain());
    }

    /// <summary>Runs one input with the hang bound; an exception escaping a target is a finding, not a crash of the campaign.</summary>
    public static async Task<Outcome> RunOneAsync(IFuzzTarget target, FuzzInput input, TimeSpan hangTimeout)
    {
        using var timeout = new CancellationTokenSource(hangTimeout);
        var run = Task.Run(() => target.RunAsync(input, timeout.Token));
        try
        {
            return await run.WaitAsync(hangTimeout + TimeSpan.FromSeconds(5));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Outcome.Fail("hang", $"no answer within {hangTimeout.TotalSeconds:N0} s");
        }
        catch (TimeoutException)
        {
            return Outcome.Fail("hang", $"no answer within {hangTimeout.TotalSeconds:N0} s, and cancellation did not stop it");
        }
        catch (Exception e)
        {
            var frame = e.StackTrace?.Split('\n').FirstOrDefault(f => f.Contains("ModelDock.", StringComparison.Ordinal))?.Trim();
            return Outcome.Fail("exception", $"{e.GetType().Name}: {e.Message} {frame}");
        }
    }

    private static void Save(CampaignReport campaign, string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.md"), campaign.Format());
        foreach (var target in campaign.Targets)
        {
            var i = 0;
            foreach (var (input, finding) in target.Findings)
            {
                var file = Path.Combine(folder, $"{target.Target}-{i++}.json");
                File.WriteAllText(file, JsonSerializer.Serialize(new SavedFinding(input, finding)));
            }
        }
    }
}
