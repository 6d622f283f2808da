using System.Globalization;
using System.Text;
using ModelDock.Bench.Serving.Load;
using ModelDock.Bench.Serving.Servers;

namespace ModelDock.Bench.Serving;

/// <summary>
/// Goodput under overload: requests of a full batch of rows over REST JSON, first on a ramp of
/// connection counts to find the count where successful answers per second peak, then at multiples
/// of that count. A server that sheds load well answers what it can and refuses the rest quickly; one
/// that does not lets every request wait until latency, memory or errors explode.
/// </summary>
internal static class OverloadBenchmark
{
    public const string RampPhase = "ramp";

    private const string ModelDockJson = "ModelDock REST JSON";

    public static async Task<int> RunAsync(OverloadOptions options)
    {
        var machine = MachineInfo.Describe();
        Console.WriteLine(machine);
        var generators = LoadGenerators.Resolve(options.LoadGenerators, options.LoadGeneratorThreads);
        if (generators.Count == 0)
        {
            throw new ArgumentException(
                $"No load generator on the PATH ({LoadGenerators.InstallHint(LoadGenerators.H2Load)}; {LoadGenerators.InstallHint(LoadGenerators.Wrk)}).");
        }

        if (OpenFileLimit.Current() is { } limit && limit < options.MaxConnections + 256)
        {
            Console.WriteLine($"warning: the open-file limit {limit} may be too low for up to {options.MaxConnections} connections; a run that needs more stops the benchmark.");
        }

        var modelDock = options.Targets.Contains("json") ? ModelDockExecutable.Find(options.ModelDockPath) : null;
        var setup = Setup(options, generators, modelDock);
        Console.WriteLine(setup);

        var rows = new List<OverloadRow>();
        foreach (var label in options.Models)
        {
            var model = BenchModel.Create(label);
            foreach (var (target, config, modelName, start) in Servers(model, options, modelDock))
            {
                foreach (var generator in generators)
                {
                    // A fresh server for each generator, so one generator's queues and memory do not carry over to the other's.
                    var server = await start().ConfigureAwait(false);
                    await using (server.ConfigureAwait(false))
                    {
                        var load = await RestEndpoint.PrepareAsync(target, model, server.HttpAddress, modelName, RestEncoding.Json, options.Rows).ConfigureAwait(false);
                        var series = await MeasureSeriesAsync(model, target, config, generator, load, server, options).ConfigureAwait(false);
                        rows.AddRange(series);
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine(OverloadTable.Console(rows));
        if (options.MarkdownFile is { } file)
        {
            var markdown = new StringBuilder();
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Measured {machine}; load average at the end: {MachineInfo.LoadAverage()}.");
            markdown.AppendLine(setup);
            markdown.AppendLine();
            markdown.Append(OverloadTable.Markdown(rows));
            await File.WriteAllTextAsync(file, markdown.ToString()).ConfigureAwait(false);
            Console.WriteLine($"wrote {file}");
        }

        return 0;
    }

    private static string Setup(OverloadOptions options, IReadOnlyList<ILoadGenerator> generators, ModelDockExecutable? modelDock) =>
        string.Create(CultureInfo.InvariantCulture,
            $"""
            Load generators: {string.Join(", ", generators.Select(g => g.Name))} ({options.LoadGeneratorThreads} thread each); each server in its own process, started afresh for each generator{(modelDock is null ? "" : $"; ModelDock: {modelDock.DisplayPath}")}.
            Requests: {options.Rows} rows of OIP JSON each. Ramp: {string.Join(", ", options.Connections)} connections, then {string.Join(" and ", options.OverloadFactors.Select(f => $"{f}×"))} the connections of the peak; each run {options.DurationSeconds} s after {options.WarmUpSeconds} s warm-up.
            """);

    private static async Task<List<OverloadRow>> MeasureSeriesAsync(
        BenchModel model,
        string target,
        string config,
        ILoadGenerator generator,
        HttpLoad load,
        LoopbackServer server,
        OverloadOptions options)
    {
        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        var runs = new List<(string Phase, LoadResult Result)>();
        async Task RunAsync(string phase, int connections)
        {
            OpenFileLimit.Ensure(connections);
            LoadResult result;
            try
            {
                result = await generator.RunAsync(load, connections, warmUp, duration, server.Process).ConfigureAwait(false);
            }
            catch (GeneratorHungException e)
            {
                // Under overload a server that leaves connections unanswered is a result, not a harness failure:
                // nothing the run measured can be counted, so it shows as no goodput and every connection failed.
                Console.Error.WriteLine($"{model.Label} {target} {generator.Name} {connections} connections: {e.Message} Counted as no answers.");
                result = new LoadResult(connections, 0, 0, connections, duration.TotalSeconds, options.Rows, double.NaN, double.NaN);
            }

            server.EnsureRunning();
            runs.Add((phase, result));
            Console.Error.WriteLine(OverloadTable.Line(new OverloadRow(model.Label, target, config, generator.Name, phase, result, double.NaN, IsPeak: false)));
        }

        foreach (var connections in options.Connections)
        {
            await RunAsync(RampPhase, connections).ConfigureAwait(false);
        }

        var peak = runs.MaxBy(r => r.Result.RequestsPerSecond).Result;
        foreach (var factor in options.OverloadFactors)
        {
            await RunAsync(string.Create(CultureInfo.InvariantCulture, $"{factor}× peak"), peak.Concurrency * factor).ConfigureAwait(false);
        }

        return [.. runs.Select(r => new OverloadRow(
            model.Label, target, config, generator.Name, r.Phase, r.Result,
            r.Result.RequestsPerSecond / peak.RequestsPerSecond, ReferenceEquals(r.Result, peak)))];
    }

    private static IEnumerable<(string Target, string Config, string ModelName, Func<Task<LoopbackServer>> Start)> Servers(
        BenchModel model,
        OverloadOptions options,
        ModelDockExecutable? modelDock)
    {
        if (options.Targets.Contains("naive"))
        {
            yield return (ResultTable.Naive, "no batching", model.Name, () => TargetProcesses.StartAsync(ResultTable.Naive, "naive", model));
        }

        if (modelDock is null)
        {
            yield break;
        }

        foreach (var config in ModelDockConfig.For(model, options))
        {
            yield return (ModelDockJson, config.Description, config.ModelName, () => ModelDockProcess.StartAsync(modelDock, model, [config]));
        }
    }
}
