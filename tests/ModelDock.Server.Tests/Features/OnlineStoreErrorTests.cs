using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using ModelDock.Features.Online;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>What clients are told when the embedded store fails or the server is misconfigured: the problem, never a server path.</summary>
public sealed class OnlineStoreErrorTests : IDisposable
{
    private const string Request = """{"features": ["driver_stats:trips"], "entities": {"driver_id": [1]}}""";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task HealthAndReads_StoreHealthyThenBroken_NameNoPath()
    {
        var path = _folder.Combine("online.db");
        var store = SqliteOnlineStore.Open(path);
        await using var server = await FeatureTestServer.StartAsync(DriverFeatureRepository.Create(_folder.Path), store, _folder.Path, TimeProvider.System);
        var healthy = await server.Client.GetStringAsync("/health/features");
        await using (var other = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await other.OpenAsync();
            await using var drop = other.CreateCommand();
            drop.CommandText = "DROP TABLE online_rows";
            await drop.ExecuteNonQueryAsync();
        }

        using var read = await server.Client.PostAsync("/get-online-features", new StringContent(Request, System.Text.Encoding.UTF8, "application/json"));
        using var health = await server.Client.GetAsync("/health/features");
        var readError = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;
        var healthDetail = (await health.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable), (read.StatusCode, health.StatusCode));
        Assert.Contains("online store 'sqlite' failed", readError, StringComparison.Ordinal);
        Assert.Contains("online_rows", healthDetail, StringComparison.Ordinal);
        foreach (var text in new[] { healthy, readError, healthDetail })
        {
            Assert.DoesNotContain(_folder.Path, text, StringComparison.Ordinal);
            Assert.DoesNotContain("online.db", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_InvalidFeatureOptions_FailsNamingEachSetting()
    {
        var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => FeatureTestServer.StartAsync(
            DriverFeatureRepository.Create(_folder.Path), store, _folder.Path, TimeProvider.System, o => (o.MaxEntityRows, o.RowCacheMaxAge) = (0, TimeSpan.FromSeconds(-1))));
        await store.DisposeAsync();

        Assert.Contains("MaxEntityRows must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("RowCacheMaxAge", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_RowCacheOn_PushIsServedAtOnce()
    {
        var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        await using var server = await FeatureTestServer.StartAsync(
            DriverFeatureRepository.Create(_folder.Path), store, _folder.Path, TimeProvider.System, o => o.RowCacheMaxAge = TimeSpan.FromSeconds(30));
        static string Push(int trips, DateTimeOffset at) =>
            $$$"""{"feature_view": "driver_stats", "to": "online", "df": {"driver_id": [1], "event_timestamp": ["{{{at:O}}}"], "conv_rate": [0.5], "trips": [{{{trips}}}]}}""";

        var before = await Trips(server);
        (await server.Client.PostAsync("/push", Json(Push(3, TimeProvider.System.GetUtcNow().AddMinutes(-2))))).EnsureSuccessStatusCode();
        var cached = await Trips(server);
        (await server.Client.PostAsync("/push", Json(Push(4, TimeProvider.System.GetUtcNow().AddMinutes(-1))))).EnsureSuccessStatusCode();
        var after = await Trips(server);

        Assert.Equal(("NOT_FOUND", "3", "4"), (before, cached, after));
    }

    private static async Task<string> Trips(FeatureTestServer server)
    {
        using var response = await server.Client.PostAsync("/get-online-features", Json(Request));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var trips = body.RootElement.GetProperty("results")[1];
        return trips.GetProperty("statuses")[0].GetString() == "PRESENT" ? trips.GetProperty("values")[0].GetRawText() : trips.GetProperty("statuses")[0].GetString()!;
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
