using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ModelDock.Features.Online;
using Xunit;

namespace ModelDock.Testing.Features;

/// <summary>
/// <c>POST /get-online-features</c> with very many entity keys, for each online store: within the configured limit
/// every row is answered; beyond it the answer is a 400 naming the limit. Found by a user: 100,000 keys answered
/// 503 "too many SQL variables" with the database's path, and 1,000,000 keys grew the server by 400 MB first.
/// </summary>
public abstract class LargeOnlineRequestTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected TempFolder Folder { get; } = new();

    /// <summary>An empty store private to the calling test, or null when its server is absent (the test then does nothing).</summary>
    protected abstract Task<IOnlineStore?> CreateStoreAsync();

    public void Dispose()
    {
        Folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task GetOnlineFeatures_HundredThousandKeysWithinConfiguredLimit_AnswersEveryRow()
    {
        await using var store = await CreateStoreAsync();
        if (store is null)
        {
            return;
        }

        const int keys = 100_000;
        await store.WriteAsync("driver_stats", ["conv_rate", "trips"], [.. Enumerable.Range(0, keys).Select(i => new OnlineWriteRow(
            EntityKey.Create("driver_id", FeatureValue.FromInt64(i)), [FeatureValue.FromDouble(i / 4.0), FeatureValue.FromInt64(i)], Now.AddMinutes(-1)))], default);
        await using var server = await StartAsync(store, o => o.MaxEntityRows = keys);

        using var response = await Post(server, Body(Enumerable.Range(0, keys).Select(i => (long)(keys - 1 - i))));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var trips = body.RootElement.GetProperty("results")[2];
        Assert.Equal(keys, trips.GetProperty("values").GetArrayLength());
        Assert.Equal(Enumerable.Range(0, keys).Select(i => (long)(keys - 1 - i)), trips.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()));
        Assert.All(trips.GetProperty("statuses").EnumerateArray(), s => Assert.Equal("PRESENT", s.GetString()));
    }

    [Fact]
    public async Task GetOnlineFeatures_HundredThousandKeysOverDefaultLimit_Returns400NamingLimit()
    {
        await using var store = await CreateStoreAsync();
        if (store is null)
        {
            return;
        }

        await using var server = await StartAsync(store, null);

        using var response = await Post(server, Body(Enumerable.Range(0, 100_000).Select(i => (long)i)));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"100000 entity rows; at most {OnlineFeatureOptions.DefaultMaxEntityRows}", error, StringComparison.Ordinal);
        Assert.Contains("MaxEntityRows", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Folder.Path, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_MillionKeys_Returns400NamingLimit()
    {
        await using var store = await CreateStoreAsync();
        if (store is null)
        {
            return;
        }

        await using var server = await StartAsync(store, null);

        using var response = await Post(server, Body(Enumerable.Range(0, 1_000_000).Select(i => (long)i)));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1000000 entity rows", error, StringComparison.Ordinal);
    }

    private Task<FeatureTestServer> StartAsync(IOnlineStore store, Action<OnlineFeatureOptions>? configure) =>
        FeatureTestServer.StartAsync(DriverFeatureRepository.Create(Folder.Path), store, Folder.Path, new ManualTimeProvider(Now), configure);

    private static async Task<HttpResponseMessage> Post(FeatureTestServer server, string json) =>
        await server.Client.PostAsync("/get-online-features", new StringContent(json, Encoding.UTF8, "application/json"));

    private static string Body(IEnumerable<long> ids) =>
        $$$"""{"features": ["driver_stats:conv_rate", "driver_stats:trips"], "entities": {"driver_id": [{{{string.Join(",", ids)}}}]}}""";
}
