using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Bench.Serving.Load;
using ModelDock.Features.Online;
using ModelDock.Redis.Features;
using ModelDock.Server.Features;
using StackExchange.Redis;

namespace ModelDock.Bench.Features;

/// <summary>
/// Online feature retrieval: 1, 10 and 100 entities × 50 features from 5 views, in process and over HTTP
/// (real Kestrel on loopback), on the embedded store, Redis (when <c>--redis host:port</c> is given) and an
/// in-memory dictionary as the floor. Reports p50/p99, throughput and store round trips per request.
/// Usage: <c>features-online [--redis host:port] [--seconds N] [--concurrency N]</c>.
/// </summary>
internal static class OnlineRetrievalBenchmark
{
    private const int Users = 10_000;
    private static readonly int[] EntityCounts = [1, 10, 100];

    public static async Task<int> RunAsync(string[] args)
    {
        var redis = Option(args, "--redis");
        var seconds = double.Parse(Option(args, "--seconds") ?? "3", CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency") ?? "1", CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "modeldock-feature-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Console.WriteLine($"cores={Environment.ProcessorCount} load={LoadAverage()} users={Users} features=50 (5 views x 10) seconds={seconds} concurrency={concurrency}");
            Console.WriteLine("store       path        entities  requests   p50_ms   p99_ms   max_ms      req/s  round_trips/req");
            var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            await using (var dictionary = new DictionaryOnlineStore())
            {
                await FeatureBenchData.PopulateAsync(dictionary, Users, at);
                await RunStore(dictionary, folder, seconds, concurrency, () => 0, http: false);
            }

            await using (var sqlite = SqliteOnlineStore.Open(Path.Combine(folder, "online.db")))
            {
                await FeatureBenchData.PopulateAsync(sqlite, Users, at);
                await RunStore(sqlite, folder, seconds, concurrency, () => sqlite.ReadStatementCount, http: true);
            }

            if (redis is not null)
            {
                await using var store = await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions { Configuration = redis, KeyPrefix = "bench:" });
                await FeatureBenchData.PopulateAsync(store, Users, at);
                await using var admin = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
                var server = admin.GetServer(admin.GetEndPoints()[0]);
                Console.WriteLine("(redis round_trips/req = pipeline flushes; commands/req printed separately)");
                await RunStore(store, folder, seconds, concurrency, () => store.ReadRoundTrips, http: true, () => HmgetCalls(server));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunStore(IOnlineStore store, string folder, double seconds, int concurrency, Func<long> roundTrips, bool http, Func<long>? commands = null)
    {
        var service = new OnlineFeatureService(FeatureBenchData.Repository(folder), store, TimeProvider.System);
        foreach (var entities in EntityCounts)
        {
            var requests = Requests(entities);
            await Measure(store.Name, "in-process", entities, seconds, concurrency, roundTrips, commands, async i =>
                await service.GetOnlineFeaturesAsync(requests[i % requests.Length], default));
        }

        if (!http)
        {
            return;
        }

        await using var host = await StartHost(service);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false }) { BaseAddress = host.Address };
        foreach (var entities in EntityCounts)
        {
            var bodies = Bodies(entities);
            await Measure(store.Name, "http", entities, seconds, concurrency, roundTrips, commands, async i =>
            {
                using var content = new ByteArrayContent(bodies[i % bodies.Length]);
                content.Headers.ContentType = new("application/json");
                using var response = await client.PostAsync("/get-online-features", content);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode || body.Length == 0)
                {
                    throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
                }
            });
        }

        if (Executables.Find(LoadGenerators.H2Load) is { } h2load)
        {
            foreach (var entities in EntityCounts)
            {
                await MeasureWithH2Load(h2load, client, store.Name, entities, seconds, concurrency);
            }
        }
    }

    /// <summary>
    /// The same endpoint driven by h2load, a load generator in C, so the .NET client's CPU does not
    /// compete with the server for the cores. h2load repeats one body, so every request asks for the
    /// same entities; the stores read them as they would any others.
    /// </summary>
    private static async Task MeasureWithH2Load(string h2load, HttpClient client, string store, int entities, double seconds, int concurrency)
    {
        var body = Bodies(entities)[0];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync("/get-online-features", content);
        var answer = await response.Content.ReadAsByteArrayAsync();
        if (!response.IsSuccessStatusCode || answer.Length == 0)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
        }

        var load = new HttpLoad(new Uri(client.BaseAddress!, "get-online-features"), Http2: false, ["Content-Type: application/json"], body, answer.Length, 1);
        using var self = Process.GetCurrentProcess();
        var result = await new H2LoadGenerator(h2load, threads: 1).RunAsync(load, concurrency, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(seconds), self);
        if (result.Errors > 0)
        {
            throw new InvalidOperationException($"h2load: {result.Errors} of {result.Requests + result.Errors} requests to {load.Url} failed.");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{store,-11} {"http-h2load",-11} {entities,8} {result.Requests,9} {result.P50Milliseconds,8:0.000} {result.P99Milliseconds,8:0.000} {"",8} {result.RequestsPerSecond,10:0} {"",16}  server_cpu_us/req={result.ServerCpuMicrosecondsPerRequest:0} h2load_cpu_us/req={result.ClientCpuMicrosecondsPerRequest:0}"));
    }

    private static async Task Measure(
        string store, string path, int entities, double seconds, int concurrency, Func<long> roundTrips, Func<long>? commands, Func<int, Task> call)
    {
        // Warm-up: JIT, connection pools, SQLite statement caches and page cache.
        var warm = Stopwatch.StartNew();
        for (var i = 0; warm.Elapsed.TotalSeconds < Math.Min(1, seconds / 3); i++)
        {
            await call(i);
        }

        var tripsBefore = roundTrips();
        var commandsBefore = commands?.Invoke() ?? 0;
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var perWorker = new List<long>[concurrency];
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var samples = perWorker[w] = new List<long>(100_000);
            for (var i = w; Stopwatch.GetTimestamp() < deadline; i += concurrency)
            {
                var started = Stopwatch.GetTimestamp();
                await call(i);
                samples.Add(Stopwatch.GetTimestamp() - started);
            }
        })));
        wall.Stop();
        var all = perWorker.SelectMany(s => s).ToArray();
        var stats = LatencyStats.From(all, wall.Elapsed);
        var trips = (roundTrips() - tripsBefore) / (double)all.Length;
        var commandText = commands is null ? "" : $"  commands/req={(commands() - commandsBefore) / (double)all.Length:0.##}";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{store,-11} {path,-11} {entities,8} {stats.Requests,9} {stats.P50Ms,8:0.000} {stats.P99Ms,8:0.000} {stats.MaxMs,8:0.000} {stats.RequestsPerSecond,10:0} {trips,16:0.##}{commandText}"));
    }

    private static OnlineFeaturesRequest[] Requests(int entities)
    {
        var random = new Random(entities);
        return [.. Enumerable.Range(0, 256).Select(_ => OnlineFeaturesRequest.ForFeatures(
            FeatureBenchData.FeatureReferences,
            [new ValueColumn("user_id", [.. Enumerable.Range(0, entities).Select(_ => FeatureValue.FromInt64(random.Next(Users)))])]))];
    }

    private static byte[][] Bodies(int entities)
    {
        var random = new Random(entities);
        var features = string.Join(",", FeatureBenchData.FeatureReferences.Select(f => $"\"{f}\""));
        return [.. Enumerable.Range(0, 256).Select(_ => Encoding.UTF8.GetBytes(
            $"{{\"features\":[{features}],\"entities\":{{\"user_id\":[{string.Join(",", Enumerable.Range(0, entities).Select(_ => random.Next(Users)))}]}}}}"))];
    }

    private static async Task<LoopbackFeatureHost> StartHost(OnlineFeatureService service)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton(new ModelDock.Features.Push.FeaturePushService(service.Repository, service.Store, Path.GetTempPath(), TimeProvider.System));
        var app = builder.Build();
        FeatureHandlers.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LoopbackFeatureHost(app, new Uri(address));
    }

    private static long HmgetCalls(StackExchange.Redis.IServer server)
    {
        var stats = server.Info("commandstats").SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_hmget").Value;
        if (stats is null)
        {
            return 0;
        }

        var calls = stats.Split(',')[0].Split('=')[1];
        return long.Parse(calls, CultureInfo.InvariantCulture);
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private sealed class LoopbackFeatureHost(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri Address => address;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
