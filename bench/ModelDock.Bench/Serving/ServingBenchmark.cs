using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ModelDock.Bench.Serving;

/// <summary>
/// The serving benchmark: the compute limit, the transport limit, a naive server and ModelDock over
/// REST JSON, REST binary and gRPC, all driven by the same closed-loop load generator in one process.
/// </summary>
internal static class ServingBenchmark
{
    public static async Task<int> RunAsync(ServingOptions options)
    {
        var machine = DescribeMachine();
        Console.WriteLine(machine);
        var h2load = options.LoadGenerator == "internal" ? null : H2LoadGenerator.Find();
        if (h2load is null && options.LoadGenerator == "h2load")
        {
            throw new ArgumentException("--load-generator h2load: h2load is not on the PATH (Debian: apt-get install nghttp2-client).");
        }

        var generator = h2load is null
            ? "the in-process .NET clients (HttpClient, Grpc.Net.Client)"
            : $"h2load ({h2load}) for the servers, in-process calls for raw ONNX Runtime";
        Console.WriteLine($"load generator: {generator}");
        var rows = new List<ResultRow>();
        foreach (var label in options.Models)
        {
            var model = BenchModel.Create(label);
            await MeasureModelAsync(model, options, h2load, rows).ConfigureAwait(false);
        }

        ResultTable.ComputeRatios(rows);
        Console.WriteLine();
        Console.WriteLine(ResultTable.Console(rows));
        if (options.MarkdownFile is { } file)
        {
            var markdown = new StringBuilder();
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Measured {machine}; load average at the end: {LoadAverage()}.");
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Load generator: {generator}.");
            markdown.AppendLine(CultureInfo.InvariantCulture,
                $"Each point: median of {options.Rounds} interleaved rounds of {options.DurationSeconds} s after {options.WarmUpSeconds} s warm-up; dynamic batching: max_batch_size {options.MaxBatchSize}, max_queue_delay {string.Join(", ", options.Models.Select(m => $"{m} {options.QueueDelayFor(m)} µs"))}.");
            markdown.AppendLine();
            markdown.Append(ResultTable.Markdown(rows));
            await File.WriteAllTextAsync(file, markdown.ToString()).ConfigureAwait(false);
            Console.WriteLine($"wrote {file}");
        }

        return rows.Any(r => r.Result.Failures > 0 || r.Result.Requests == 0) ? 1 : 0;
    }

    private static async Task MeasureModelAsync(BenchModel model, ServingOptions options, string? h2load, List<ResultRow> rows)
    {
        var disposables = new List<IAsyncDisposable>();
        try
        {
            var plan = await StartTargetsAsync(model, options, disposables).ConfigureAwait(false);
            foreach (var (target, _, _) in plan)
            {
                await target.VerifyAsync().ConfigureAwait(false);
            }

            // Rounds interleave the targets, so a burst of load from elsewhere on the machine hits
            // every target alike instead of one unlucky row; each row reports the median round.
            var concurrencies = plan.SelectMany(p => p.Concurrency).Distinct().Order().ToList();
            foreach (var concurrency in concurrencies)
            {
                var rounds = plan.Where(p => p.Concurrency.Contains(concurrency)).ToDictionary(p => p.Target, _ => new List<LoadResult>());
                for (var round = 0; round < options.Rounds; round++)
                {
                    foreach (var (target, results) in rounds)
                    {
                        var warmUp = TimeSpan.FromSeconds(options.WarmUpSeconds);
                        var duration = TimeSpan.FromSeconds(options.DurationSeconds);
                        var result = h2load is not null && target.DescribeHttpLoad() is { } load
                            ? await H2LoadGenerator.RunAsync(h2load, load, concurrency, warmUp, duration).ConfigureAwait(false)
                            : await LoadGenerator.RunAsync(target, concurrency, warmUp, duration).ConfigureAwait(false);
                        results.Add(result);
                        Console.Error.WriteLine(ResultTable.Line(new ResultRow(model.Label, target.Name, $"round {round + 1}", result)));
                    }
                }

                foreach (var (target, config, _) in plan.Where(p => rounds.ContainsKey(p.Target)))
                {
                    var row = new ResultRow(model.Label, target.Name, config, LoadResult.Median(rounds[target]));
                    rows.Add(row);
                    Console.WriteLine(ResultTable.Line(row));
                }
            }
        }
        finally
        {
            for (var i = disposables.Count - 1; i >= 0; i--)
            {
                await disposables[i].DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<List<(IBenchTarget Target, string Config, IReadOnlyList<int> Concurrency)>> StartTargetsAsync(
        BenchModel model,
        ServingOptions options,
        List<IAsyncDisposable> disposables)
    {
        var plan = new List<(IBenchTarget Target, string Config, IReadOnlyList<int> Concurrency)>();
        void Add(IBenchTarget target, string config, IReadOnlyList<int> concurrency)
        {
            disposables.Add(target);
            plan.Add((target, config, concurrency));
        }

        if (options.Targets.Contains("raw"))
        {
            // In-process compute saturates with one thread per core; more workers only queue on the cores.
            int[] threads = [.. new[] { 1, Environment.ProcessorCount }.Distinct()];
            Add(new RawOnnxTarget(model, 1), "in process", threads);
            Add(new RawOnnxTarget(model, 32), "in process", threads);
        }

        if (options.Targets.Contains("bare"))
        {
            var bare = await BareKestrelServer.StartAsync(model).ConfigureAwait(false);
            disposables.Add(bare);
            Add(new RestTarget(ResultTable.BareKestrel, model, bare.BaseAddress, model.Name, RestEncoding.Json), "constant response", options.Concurrency);
        }

        if (options.Targets.Contains("bare-grpc"))
        {
            var bareGrpc = await BareGrpcServer.StartAsync(model).ConfigureAwait(false);
            disposables.Add(bareGrpc);
            Add(new GrpcTarget(ResultTable.BareGrpc, model, bareGrpc.BaseAddress, model.Name), "constant response", options.Concurrency);
        }

        if (options.Targets.Contains("naive"))
        {
            var naive = await NaiveServer.StartAsync(model).ConfigureAwait(false);
            disposables.Add(naive);
            Add(new RestTarget(ResultTable.Naive, model, naive.BaseAddress, model.Name, RestEncoding.Json), "no batching", options.Concurrency);
        }

        if (!options.Targets.Overlaps(["inprocess", "json", "binary", "grpc"]))
        {
            return plan;
        }

        var server = await ModelDockServer.StartAsync(model, options).ConfigureAwait(false);
        disposables.Add(server);
        foreach (var config in server.Configs)
        {
            if (options.Targets.Contains("inprocess"))
            {
                Add(new InProcessTarget(model, server.ModelServer, config.ModelName), config.Description, options.Concurrency);
            }

            if (options.Targets.Contains("json"))
            {
                Add(new RestTarget("ModelDock REST JSON", model, server.HttpAddress, config.ModelName, RestEncoding.Json), config.Description, options.Concurrency);
            }

            if (options.Targets.Contains("binary"))
            {
                Add(new RestTarget("ModelDock REST binary", model, server.HttpAddress, config.ModelName, RestEncoding.Binary), config.Description, options.Concurrency);
            }

            if (options.Targets.Contains("grpc"))
            {
                Add(new GrpcTarget("ModelDock gRPC", model, server.GrpcAddress, config.ModelName), config.Description, options.Concurrency);
            }
        }

        return plan;
    }

    private static string DescribeMachine() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, server GC {System.Runtime.GCSettings.IsServerGC}, load average at start: {LoadAverage()}");

    /// <summary>The 1/5/15-minute load averages where the OS reports them (Linux), so a reader can judge the noise.</summary>
    public static string LoadAverage()
    {
        const string LoadAverageFile = "/proc/loadavg";
        return File.Exists(LoadAverageFile)
            ? string.Join(' ', File.ReadAllText(LoadAverageFile).Split(' ').Take(3))
            : "not reported on this OS";
    }
}
