using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Redis.Features;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Redis.Tests.Features;

public sealed class RedisOnlineStoreFaultTests : IDisposable
{
    private const string Request = """{"features": ["driver_stats:trips"], "entities": {"driver_id": [1]}}""";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_NothingListening_ThrowsUnavailableNamingRedis()
    {
        await using var store = await RedisOnlineStore.ConnectAsync(Options($"127.0.0.1:{LoopbackPorts.Free()}"));

        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            store.ReadAsync([EntityKey.Create("id", FeatureValue.FromInt64(1))], new OnlineReadPlan([new OnlineViewRequest("v", ["f"])]), default).AsTask());
        var health = await store.CheckHealthAsync(default);

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.StartsWith("online store 'redis' is unreachable: ", error.Message, StringComparison.Ordinal);
        Assert.False(health.IsHealthy);
    }

    [Fact]
    public async Task GetOnlineFeatures_NothingListening_Returns503AndHealthDegraded()
    {
        await using var store = await RedisOnlineStore.ConnectAsync(Options($"127.0.0.1:{LoopbackPorts.Free()}"));
        await using var server = await StartServer(store);

        using var response = await Post(server, Request);
        using var health = await server.Client.GetAsync("/health/features");
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        var status = await health.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("online store 'redis' is unreachable", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("degraded", status.GetProperty("status").GetString());
    }

    [RedisServerFact]
    public async Task GetOnlineFeatures_RedisComesBackAfterOutage_ServesAgainWithoutRestart()
    {
        using var redis = new RedisServerProcess(LoopbackPorts.Free());
        await using var store = await RedisOnlineStore.ConnectAsync(Options(redis.Address));
        await using var server = await StartServer(store);
        using var down = await Post(server, Request);

        redis.Start();
        await WaitUntilHealthy(store);
        await store.WriteAsync("driver_stats", ["conv_rate", "trips"],
            [new OnlineWriteRow(EntityKey.Create("driver_id", FeatureValue.FromInt64(1)), [FeatureValue.FromDouble(0.5), FeatureValue.FromInt64(4)], DateTimeOffset.UnixEpoch.AddYears(60))], default);
        using var up = await Post(server, Request);
        var body = await up.Content.ReadFromJsonAsync<JsonElement>();
        redis.Stop();
        using var downAgain = await Post(server, Request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Equal("[4]", body.GetProperty("results")[1].GetProperty("values").GetRawText());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, downAgain.StatusCode);
    }

    private static RedisOnlineStoreOptions Options(string address) => new()
    {
        Configuration = address,
        ConnectTimeout = TimeSpan.FromMilliseconds(300),
        CommandTimeout = TimeSpan.FromSeconds(3),
    };

    private static async Task WaitUntilHealthy(IOnlineStore store)
    {
        // The multiplexer reconnects in the background; give it a bounded number of probes.
        for (var attempt = 0; attempt < 150; attempt++)
        {
            if ((await store.CheckHealthAsync(default)).IsHealthy)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The Redis online store did not reconnect after redis-server started.");
    }

    private static Task<HttpResponseMessage> Post(FeatureTestServer server, string json) =>
        server.Client.PostAsync("/get-online-features", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    private Task<FeatureTestServer> StartServer(IOnlineStore store) =>
        FeatureTestServer.StartAsync(DriverFeatureRepository.Create(_folder.Path), store, _folder.Path, TimeProvider.System);
}
