using System.Globalization;
using System.Text;
using ModelDock.Bench.Serving.Load;
using ModelDock.Bench.Serving.Servers;

namespace ModelDock.Bench.Serving;

/// <summary>
/// The serving benchmark: the compute limit and ModelDock's model server in process, and in processes
/// of their own the transport limits, a naive server and the modeldock program over REST JSON, REST
/// binary and gRPC, each driven by every external load generator that speaks its protocol.
/// </summary>
internal static class ServingBenchmark
{
    private const string ModelDockJson = "ModelDock REST JSON";
    private const string ModelDockBinary = "ModelDock REST binary";
    private const string ModelDockGrpc = "ModelDock gRPC";
    private const string ModelDockEndpoint = "ModelDock REST JSON, endpoint of 2 deployments";

    public static async Task<int> RunAsync(ServingOptions options)
    {
        var machine = MachineInfo.Describe();
        Console.WriteLine(machine);
        var needsServers = options.Targets.Overlaps(["bare", "bare-grpc", "naive", "json", "binary", "grpc", "endpoint"]);
        var generators = LoadGenerators.Resolve(options.LoadGenerators, options.LoadGeneratorThreads);
        if (needsServers && generators.Count == 0)
        {
            throw new ArgumentException(
                $"No load generator on the PATH for the server targets ({LoadGenerators.InstallHint(LoadGenerators.H2Load)}; {LoadGenerators.InstallHint(LoadGenerators.Wrk)}).");
        }

        var modelDock = options.Targets.Overlaps(["json", "binary", "grpc", "endpoint"]) ? ModelDockExecutable.Find(options.ModelDockPath) : null;
        var setup = Setup(options, generators, modelDock);
        Console.WriteLine(setup);

        var rows = new List<ResultRow>();
        foreach (var label in options.Models)
        {
            var model = BenchModel.Create(label);
            var modelRows = await MeasureModelAsync(model, Plan(model, options, generators, modelDock), options.Rounds).ConfigureAwait(false);
            foreach (var row in modelRows)
            {
                Console.WriteLine(ResultTable.Line(row));
            }

            rows.AddRange(modelRows);
        }

        ResultTable.ComputeRatios(rows);
        Console.WriteLine();
        Console.WriteLine(ResultTable.Console(rows));
        if (options.MarkdownFile is { } file)
        {
            var markdown = new StringBuilder();
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Measured {machine}; load average at the end: {MachineInfo.LoadAverage()}.");
            markdown.AppendLine(setup);
            markdown.AppendLine();
            markdown.Append(ResultTable.Markdown(rows));
            await File.WriteAllTextAsync(file, markdown.ToString()).ConfigureAwait(false);
            Console.WriteLine($"wrote {file}");
        }

        return rows.Any(r => r.Result.Errors > 0 || r.Result.Requests == 0) ? 1 : 0;
    }

    private static string Setup(ServingOptions options, IReadOnlyList<ILoadGenerator> generators, ModelDockExecutable? modelDock)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Load generators: {(generators.Count == 0 ? "none" : string.Join(", ", generators.Select(g => g.Name)))} ({options.LoadGeneratorThreads} thread each) for the servers, each server in its own process started afresh every round; in-process calls for raw ONNX Runtime and ModelDock in process.");
        if (modelDock is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"ModelDock: {modelDock.DisplayPath}, one process per model and configuration.");
        }

        text.Append(CultureInfo.InvariantCulture,
            $"Each point: median of {options.Rounds} interleaved rounds of {options.DurationSeconds} s after {options.WarmUpSeconds} s warm-up; dynamic batching: max_batch_size {options.MaxBatchSize}, max_queue_delay {string.Join(", ", options.Models.Select(m => $"{m} {options.QueueDelayFor(m)} µs"))}.");
        return text.ToString();
    }

    /// <summary>
    /// Runs every group in every round. Rounds interleave the groups, so a burst of load from elsewhere on
    /// the machine hits every target alike instead of one unlucky row; each row reports the median round.
    /// </summary>
    private static async Task<List<ResultRow>> MeasureModelAsync(BenchModel model, IReadOnlyList<TargetGroup> groups, int rounds)
    {
        var results = new Dictionary<(string Target, string Config, string Generator, int Concurrency), List<LoadResult>>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var group in groups)
            {
                var started = await group.StartAsync().ConfigureAwait(false);
                await using (started.ConfigureAwait(false))
                {
                    foreach (var concurrency in group.Concurrency)
                    {
                        foreach (var measurement in started.Measurements)
                        {
                            var result = await measurement.RunAsync(concurrency).ConfigureAwait(false);
                            var key = (measurement.Target, measurement.Config, measurement.Generator, concurrency);
                            if (!results.TryGetValue(key, out var list))
                            {
                                results[key] = list = [];
                            }

                            list.Add(result);
                            Console.Error.WriteLine(ResultTable.Line(new ResultRow(model.Label, measurement.Target, $"round {round + 1}", measurement.Generator, result)));
                        }
                    }
                }
            }
        }

        // The dictionary keeps the order the first round measured in; OrderBy is stable, so within one
        // concurrency the rows keep the plan's order.
        return [.. results
            .OrderBy(r => r.Key.Concurrency)
            .Select(r => new ResultRow(model.Label, r.Key.Target, r.Key.Config, r.Key.Generator, LoadResult.Median(r.Value)))];
    }

    private static List<TargetGroup> Plan(BenchModel model, ServingOptions options, IReadOnlyList<ILoadGenerator> generators, ModelDockExecutable? modelDock)
    {
        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
        var groups = new List<TargetGroup>();
        var targets = options.Targets;

        if (targets.Contains("raw"))
        {
            // In-process compute saturates with one thread per core; more workers only queue on the cores.
            int[] threads = [.. new[] { 1, Environment.ProcessorCount }.Distinct()];
            groups.Add(TargetGroup.InProcess(threads, "in process", () => Task.FromResult<IReadOnlyList<IInProcessTarget>>(
                [new RawOnnxTarget(model, 1), new RawOnnxTarget(model, 32)]), warmUp, duration));
        }

        TargetGroup Server(Func<Task<LoopbackServer>> start, Func<LoopbackServer, Task<IReadOnlyList<ServerEndpoint>>> endpoints) =>
            TargetGroup.Server(options.Concurrency, start, endpoints, generators, warmUp, duration);

        if (targets.Contains("bare"))
        {
            groups.Add(Server(
                () => TargetProcesses.StartAsync(ResultTable.BareKestrel, "bare", model),
                async server => [new ServerEndpoint(ResultTable.BareKestrel, "constant response", await RestEndpoint.PrepareAsync(ResultTable.BareKestrel, model, server.HttpAddress, model.Name, RestEncoding.Json).ConfigureAwait(false))]));
        }

        if (targets.Contains("bare-grpc"))
        {
            groups.Add(Server(
                () => TargetProcesses.StartAsync(ResultTable.BareGrpc, "bare-grpc", model),
                async server => [new ServerEndpoint(ResultTable.BareGrpc, "constant response", await GrpcEndpoint.PrepareAsync(ResultTable.BareGrpc, model, server.GrpcAddress, model.Name).ConfigureAwait(false))]));
        }

        if (targets.Contains("naive"))
        {
            groups.Add(Server(
                () => TargetProcesses.StartAsync(ResultTable.Naive, "naive", model),
                async server => [new ServerEndpoint(ResultTable.Naive, "no batching", await RestEndpoint.PrepareAsync(ResultTable.Naive, model, server.HttpAddress, model.Name, RestEncoding.Json).ConfigureAwait(false))]));
        }

        foreach (var config in ModelDockConfig.For(model, options))
        {
            if (targets.Contains("inprocess"))
            {
                groups.Add(TargetGroup.InProcess(options.Concurrency, config.Description, async () =>
                    [await InProcessTarget.StartAsync(model, config).ConfigureAwait(false)], warmUp, duration));
            }

            if (modelDock is null)
            {
                continue;
            }

            var levels = options.Observability.Count == 0
                ? [ObservabilityLevel.Default]
                : options.Observability.Select(level => ObservabilityLevel.For(level, config.ModelName)).ToList();
            foreach (var observability in levels)
            {
                var observed = config with { Description = config.Description + observability.Description };
                groups.Add(Server(
                    () => ModelDockProcess.StartAsync(modelDock, model, [config], observability),
                    server => ModelDockEndpointsAsync(model, observed, server, targets)));
            }
        }

        return groups;
    }

    private static async Task<IReadOnlyList<ServerEndpoint>> ModelDockEndpointsAsync(
        BenchModel model,
        ModelDockConfig config,
        LoopbackServer server,
        IReadOnlySet<string> targets)
    {
        var endpoints = new List<ServerEndpoint>();
        if (targets.Contains("json"))
        {
            endpoints.Add(new ServerEndpoint(ModelDockJson, config.Description, await RestEndpoint.PrepareAsync(ModelDockJson, model, server.HttpAddress, config.ModelName, RestEncoding.Json).ConfigureAwait(false)));
        }

        if (targets.Contains("endpoint"))
        {
            endpoints.Add(new ServerEndpoint(ModelDockEndpoint, config.Description, await RestEndpoint.PrepareAsync(ModelDockEndpoint, model, server.HttpAddress, ModelDockRepository.EndpointName(config), RestEncoding.Json).ConfigureAwait(false)));
        }

        if (targets.Contains("binary"))
        {
            endpoints.Add(new ServerEndpoint(ModelDockBinary, config.Description, await RestEndpoint.PrepareAsync(ModelDockBinary, model, server.HttpAddress, config.ModelName, RestEncoding.Binary).ConfigureAwait(false)));
        }

        if (targets.Contains("grpc"))
        {
            endpoints.Add(new ServerEndpoint(ModelDockGrpc, config.Description, await GrpcEndpoint.PrepareAsync(ModelDockGrpc, model, server.GrpcAddress, config.ModelName).ConfigureAwait(false)));
        }

        return endpoints;
    }
}
