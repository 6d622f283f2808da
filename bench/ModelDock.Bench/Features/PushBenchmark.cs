using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Server.Features;

namespace ModelDock.Bench.Features;

/// <summary>
/// Offline pushes of 1–10 rows from many concurrent clients, in process (<c>FeaturePushService.PushAsync</c>) and over
/// HTTP (real Kestrel on loopback, <c>POST /push</c>): acknowledged rows per second, latency, and the Parquet files the
/// rows end up in. Every acknowledged row is counted in the Parquet files at the end.
/// Usage: <c>features-push [--seconds N] [--concurrency N] [--to offline|online_and_offline]</c>.
/// </summary>
internal static class PushBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency") ?? "64", CultureInfo.InvariantCulture);
        var to = Option(args, "--to") ?? "offline";
        var target = to == "online_and_offline" ? PushTarget.OnlineAndOffline : PushTarget.Offline;
        Console.WriteLine($"cores={Environment.ProcessorCount} load={LoadAverage()} rows/push=1..10 seconds={seconds} concurrency={concurrency} to={to}");
        Console.WriteLine("path         pushes      rows   p50_ms   p99_ms   max_ms   pushes/s     rows/s  parquet_files  rows_in_parquet");
        await RunInProcess(seconds, concurrency, target);
        await RunHttp(seconds, concurrency, to);
        return 0;
    }

    private static async Task RunInProcess(double seconds, int concurrency, PushTarget target)
    {
        using var folder = new BenchFolder();
        await using var store = SqliteOnlineStore.Open(Path.Combine(folder.Path, "online.db"));
        long rows;
        LatencyStats stats;
        await using (var push = new FeaturePushService(Repository(folder.Path), store, folder.Path, TimeProvider.System))
        {
            await push.StartAsync(default);
            (stats, rows) = await Measure(seconds, concurrency, async (worker, size, first) =>
                await push.PushAsync(Request(size, first, target), default));
        }

        Report("in-process", stats, rows, folder.Path);
    }

    private static async Task RunHttp(double seconds, int concurrency, string to)
    {
        using var folder = new BenchFolder();
        await using var store = SqliteOnlineStore.Open(Path.Combine(folder.Path, "online.db"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddModelDock();
        builder.Services.AddFeatureServing(Repository(folder.Path), store, folder.Path);
        var app = builder.Build();
        app.UseModelDock();
        FeatureHandlers.Map(app);
        await app.StartAsync();
        long rows;
        LatencyStats stats;
        try
        {
            var address = new Uri(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false }) { BaseAddress = address };
            (stats, rows) = await Measure(seconds, concurrency, async (worker, size, first) =>
            {
                using var content = new StringContent(Body(size, first, to), Encoding.UTF8, "application/json");
                using var response = await client.PostAsync("/push", content);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            });
        }
        finally
        {
            // Stopping compacts every acknowledged row, which the report then counts.
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Report("http", stats, rows, folder.Path);
    }

    /// <summary>Runs the workers for the given time after a 1 s warm-up; returns latency over the timed pushes and the rows they acknowledged.</summary>
    private static async Task<(LatencyStats Stats, long Rows)> Measure(double seconds, int concurrency, Func<int, int, long, Task> push)
    {
        var nextId = 0L;
        var timedRows = 0L;
        var warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var deadline = warmUntil + (long)(seconds * Stopwatch.Frequency);
        var perWorker = new List<long>[concurrency];
        long started = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var samples = perWorker[w] = new List<long>(100_000);
            while (true)
            {
                var begin = Stopwatch.GetTimestamp();
                if (begin >= deadline)
                {
                    return;
                }

                var size = random.Next(1, 11);
                await push(w, size, Interlocked.Add(ref nextId, size) - size);
                if (begin >= warmUntil)
                {
                    Interlocked.CompareExchange(ref started, begin, 0);
                    samples.Add(Stopwatch.GetTimestamp() - begin);
                    Interlocked.Add(ref timedRows, size);
                }
            }
        })));
        var wall = TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - warmUntil) / (double)Stopwatch.Frequency);
        return (LatencyStats.From([.. perWorker.SelectMany(s => s)], wall), timedRows);
    }

    private static void Report(string path, LatencyStats stats, long rows, string folder)
    {
        var pushed = Path.Combine(folder, "offline", "pushed", "push_source");
        var files = Directory.GetFiles(pushed, "*.parquet");
        using var connection = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{Path.Combine(pushed, "*.parquet")}')";
        var inParquet = (long)command.ExecuteScalar()!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{path,-11} {stats.Requests,7} {rows,9} {stats.P50Ms,8:0.000} {stats.P99Ms,8:0.000} {stats.MaxMs,8:0.0} {stats.RequestsPerSecond,10:0} {rows / (stats.Requests / stats.RequestsPerSecond),10:0} {files.Length,14} {inParquet,16}"));
    }

    private static FeatureRepository Repository(string folder) => new(
        folder,
        [new Entity("user", [new JoinKey("user_id", FeatureValueType.Int64)], "A user.")],
        [new DataSource("push_source", "users.parquet", "event_timestamp", null)],
        [new FeatureView("user_activity", ["user"], TimeSpan.Zero, "push_source", Online: true,
            [new FeatureField("clicks", FeatureValueType.Int64), new FeatureField("spend", FeatureValueType.Double), new FeatureField("segment", FeatureValueType.String)],
            new Dictionary<string, string>())],
        []);

    private static PushRequest Request(int size, long first, PushTarget to)
    {
        var ids = Enumerable.Range(0, size).Select(i => first + i).ToArray();
        return new PushRequest("push_source", null,
            [
                new ValueColumn("user_id", [.. ids.Select(FeatureValue.FromInt64)]),
                new ValueColumn("event_timestamp", [.. ids.Select(_ => FeatureValue.FromTimestamp(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)))]),
                new ValueColumn("clicks", [.. ids.Select(id => FeatureValue.FromInt64(id % 100))]),
                new ValueColumn("spend", [.. ids.Select(id => FeatureValue.FromDouble(id * 0.25))]),
                new ValueColumn("segment", [.. ids.Select(id => FeatureValue.FromString($"segment-{id % 17}"))]),
            ], to);
    }

    private static string Body(int size, long first, string to)
    {
        var ids = Enumerable.Range(0, size).Select(i => first + i).ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"push_source_name\":\"push_source\",\"to\":\"{to}\",\"df\":{{\"user_id\":[{string.Join(",", ids)}]," +
            $"\"event_timestamp\":[{string.Join(",", ids.Select(_ => "1767225600"))}]," +
            $"\"clicks\":[{string.Join(",", ids.Select(id => id % 100))}]," +
            $"\"spend\":[{string.Join(",", ids.Select(id => (id * 0.25).ToString(CultureInfo.InvariantCulture)))}]," +
            $"\"segment\":[{string.Join(",", ids.Select(id => $"\"segment-{id % 17}\""))}]}}}}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private sealed class BenchFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("modeldock-push-bench-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
