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
        var rows = new List<ResultRow>();
        foreach (var label in options.Models)
        {
            var model = BenchModel.Create(label);
            await MeasureModelAsync(model, options, rows).ConfigureAwait(false);
        }

        ResultTable.ComputeRatios(rows);
        Console.WriteLine();
        Console.WriteLine(ResultTable.Console(rows));
        if (options.MarkdownFile is { } file)
        {
            var markdown = new StringBuilder();
            markdown.AppendLine(CultureInfo.InvariantCulture, $"Measured {machine}; load average at the end: {LoadAverage()}.");
            markdown.AppendLine(CultureInfo.InvariantCulture,
                $"Duration {options.DurationSeconds} s per point after {options.WarmUpSeconds} s warm-up; dynamic batching: max_batch_size {options.MaxBatchSize}, max_queue_delay {options.MaxQueueDelayMicroseconds} µs.");
            markdown.AppendLine();
            markdown.Append(ResultTable.Markdown(rows));
            await File.WriteAllTextAsync(file, markdown.ToString()).ConfigureAwait(false);
            Console.WriteLine($"wrote {file}");
        }

        return rows.Any(r => r.Result.Failures > 0 || r.Result.Requests == 0) ? 1 : 0;
    }

    private static async Task MeasureModelAsync(BenchModel model, ServingOptions options, List<ResultRow> rows)
    {
        if (options.Targets.Contains("raw"))
        {
            // In-process compute saturates with one thread per core; more workers only queue on the cores.
            int[] threads = [.. new[] { 1, Environment.ProcessorCount }.Distinct()];
            foreach (var batch in new[] { 1, 32 })
            {
                await using var raw = new RawOnnxTarget(model, batch);
                await MeasureAsync(model, raw, "in process", threads, options, rows).ConfigureAwait(false);
            }
        }

        if (options.Targets.Contains("bare"))
        {
            await using var bare = await BareKestrelServer.StartAsync(model).ConfigureAwait(false);
            await using var target = new RestTarget(ResultTable.BareKestrel, model, bare.BaseAddress, model.Name, RestEncoding.Json);
            await MeasureAsync(model, target, "constant response", options.Concurrency, options, rows).ConfigureAwait(false);
        }

        if (options.Targets.Contains("naive"))
        {
            await using var naive = await NaiveServer.StartAsync(model).ConfigureAwait(false);
            await using var target = new RestTarget(ResultTable.Naive, model, naive.BaseAddress, model.Name, RestEncoding.Json);
            await MeasureAsync(model, target, "no batching", options.Concurrency, options, rows).ConfigureAwait(false);
        }

        if (!options.Targets.Overlaps(["json", "binary", "grpc"]))
        {
            return;
        }

        await using var server = await ModelDockServer.StartAsync(model, options).ConfigureAwait(false);
        foreach (var config in server.Configs)
        {
            var targets = new List<IBenchTarget>();
            if (options.Targets.Contains("json"))
            {
                targets.Add(new RestTarget("ModelDock REST JSON", model, server.HttpAddress, config.ModelName, RestEncoding.Json));
            }

            if (options.Targets.Contains("binary"))
            {
                targets.Add(new RestTarget("ModelDock REST binary", model, server.HttpAddress, config.ModelName, RestEncoding.Binary));
            }

            if (options.Targets.Contains("grpc"))
            {
                targets.Add(new GrpcTarget("ModelDock gRPC", model, server.GrpcAddress, config.ModelName));
            }

            foreach (var target in targets)
            {
                await using (target.ConfigureAwait(false))
                {
                    await MeasureAsync(model, target, config.Description, options.Concurrency, options, rows).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task MeasureAsync(
        BenchModel model,
        IBenchTarget target,
        string config,
        IReadOnlyList<int> concurrencies,
        ServingOptions options,
        List<ResultRow> rows)
    {
        await target.VerifyAsync().ConfigureAwait(false);
        foreach (var concurrency in concurrencies)
        {
            var result = await LoadGenerator.RunAsync(
                target,
                concurrency,
                TimeSpan.FromSeconds(options.WarmUpSeconds),
                TimeSpan.FromSeconds(options.DurationSeconds)).ConfigureAwait(false);
            var row = new ResultRow(model.Label, target.Name, config, result);
            rows.Add(row);
            Console.WriteLine(ResultTable.Line(row));
        }
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
