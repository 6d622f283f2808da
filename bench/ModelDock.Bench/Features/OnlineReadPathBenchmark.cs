using System.Diagnostics;
using System.Globalization;
using ModelDock.Features.Online;
using ModelDock.Redis.Features;

namespace ModelDock.Bench.Features;

/// <summary>
/// The in-process read path a model's feature assembly uses (<see cref="OnlineFeatureService"/> over an
/// <see cref="IOnlineStore"/>, no HTTP, no JSON): 1 user × 50 features, 100 users × 50 features, and one user
/// × 50 features followed by 200 candidate products × 30 features (two calls, timed together), on SQLite,
/// Redis (with <c>--redis host:port</c>) and an in-memory dictionary as the floor. With
/// <c>--row-cache-seconds S</c> each store is measured again behind <see cref="CachedOnlineStore"/> (rows kept S
/// seconds), where the warm-up has already cached most rows the requests ask for.
/// Usage: <c>features-online-reads [--redis host:port] [--seconds N] [--row-cache-seconds S]</c>.
/// </summary>
internal static class OnlineReadPathBenchmark
{
    private const int Users = 10_000;
    private const int Products = 20_000;
    private const int Candidates = 200;

    public static async Task<int> RunAsync(string[] args)
    {
        var redis = Option(args, "--redis");
        var seconds = double.Parse(Option(args, "--seconds") ?? "3", CultureInfo.InvariantCulture);
        var cacheSeconds = Option(args, "--row-cache-seconds") is { } c ? double.Parse(c, CultureInfo.InvariantCulture) : 0;
        var folder = Path.Combine(Path.GetTempPath(), "modeldock-feature-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            Console.WriteLine($"cores={Environment.ProcessorCount} load={LoadAverage()} users={Users} products={Products} seconds={seconds}");
            Console.WriteLine("store             scenario        requests   p50_ms   p99_ms   max_ms      req/s  alloc_kb/req  gc0/1/2");
            await using (var dictionary = new DictionaryOnlineStore())
            {
                await RunStore(dictionary, folder, seconds, cacheSeconds);
            }

            await using (var sqlite = SqliteOnlineStore.Open(Path.Combine(folder, "online.db")))
            {
                await RunStore(sqlite, folder, seconds, cacheSeconds);
            }

            if (redis is not null)
            {
                // A key prefix of its own, so runs sharing a Redis never read each other's rows.
                var prefix = "bench:" + Guid.NewGuid().ToString("N") + ":";
                await using var store = await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions { Configuration = redis, KeyPrefix = prefix });
                await RunStore(store, folder, seconds, cacheSeconds);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task RunStore(IOnlineStore store, string folder, double seconds, double cacheSeconds)
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await FeatureBenchData.PopulateAsync(store, Users, at);
        await FeatureBenchData.PopulateProductsAsync(store, Products, at);
        await RunScenarios(store, store.Name, folder, seconds);
        if (cacheSeconds > 0)
        {
            var cached = new CachedOnlineStore(store, TimeSpan.FromSeconds(cacheSeconds), 200_000, TimeProvider.System);
            await RunScenarios(cached, store.Name + "+cache", folder, seconds);
        }
    }

    private static async Task RunScenarios(IOnlineStore store, string name, string folder, double seconds)
    {
        var service = new OnlineFeatureService(FeatureBenchData.Repository(folder), store, TimeProvider.System);
        var random = new Random(42);
        var one = Requests(random, "user_id", Users, 1, FeatureBenchData.FeatureReferences);
        var hundred = Requests(random, "user_id", Users, 100, FeatureBenchData.FeatureReferences);
        var candidates = Requests(random, "product_id", Products, Candidates, FeatureBenchData.ProductFeatureReferences);
        await Measure(name, "1x50", seconds, async i => await service.GetOnlineFeaturesAsync(one[i % one.Length], default));
        await Measure(name, "100x50", seconds, async i => await service.GetOnlineFeaturesAsync(hundred[i % hundred.Length], default));
        await Measure(name, "1x50+200x30", seconds, async i =>
        {
            await service.GetOnlineFeaturesAsync(one[i % one.Length], default);
            await service.GetOnlineFeaturesAsync(candidates[i % candidates.Length], default);
        });
    }

    private static async Task Measure(string store, string scenario, double seconds, Func<int, Task> call)
    {
        // Warm-up: JIT, connection pools, statement caches and the page cache.
        var warm = Stopwatch.StartNew();
        for (var i = 0; warm.Elapsed.TotalSeconds < Math.Min(1, seconds / 3); i++)
        {
            await call(i);
        }

        var samples = new List<long>(200_000);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var wall = Stopwatch.StartNew();
        for (var i = 0; Stopwatch.GetTimestamp() < deadline; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await call(i);
            samples.Add(Stopwatch.GetTimestamp() - started);
        }

        wall.Stop();
        var perRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / samples.Count;
        var gcs = string.Join('/', Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collections[g]));
        var stats = LatencyStats.From([.. samples], wall.Elapsed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{store,-17} {scenario,-13} {stats.Requests,10} {stats.P50Ms,8:0.000} {stats.P99Ms,8:0.000} {stats.MaxMs,8:0.000} {stats.RequestsPerSecond,10:0} {perRequest,13:0.0}  {gcs}"));
    }

    /// <summary>256 requests of random distinct entities, so consecutive requests read different rows.</summary>
    private static OnlineFeaturesRequest[] Requests(Random random, string joinKey, int population, int entities, string[] features)
    {
        var ids = Enumerable.Range(0, population).ToArray();
        return [.. Enumerable.Range(0, 256).Select(_ =>
        {
            random.Shuffle(ids);
            return OnlineFeaturesRequest.ForFeatures(features, [new ValueColumn(joinKey, [.. ids.Take(entities).Select(e => FeatureValue.FromInt64(e))])]);
        })];
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
