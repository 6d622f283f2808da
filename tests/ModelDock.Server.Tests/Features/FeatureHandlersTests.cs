using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

public sealed class FeatureHandlersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private SqliteOnlineStore _store = null!;
    private FeatureTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        _server = await FeatureTestServer.StartAsync(DriverFeatureRepository.Create(_folder.Path), _store, _folder.Path, new ManualTimeProvider(Now));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task GetOnlineFeatures_FeastBody_ReturnsFeastColumnMajorShapeWithJoinKeysFirst()
    {
        var at = Now.AddMinutes(-5);
        await _store.WriteAsync("driver_stats", ["conv_rate", "trips"],
            [new OnlineWriteRow(EntityKey.Create("driver_id", FeatureValue.FromInt64(1001)), [FeatureValue.FromDouble(0.5), FeatureValue.FromInt64(3)], at)], default);

        using var response = await Post("/get-online-features",
            """{"features": ["driver_stats:conv_rate", "driver_stats:trips"], "entities": {"driver_id": [1001, 1002]}}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = body.RootElement;
        Assert.Equal(["driver_id", "conv_rate", "trips"], root.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()));
        var results = root.GetProperty("results");
        Assert.Equal(3, results.GetArrayLength());
        Assert.Equal("[1001,1002]", results[0].GetProperty("values").GetRawText());
        Assert.Equal("""["PRESENT","PRESENT"]""", results[0].GetProperty("statuses").GetRawText());
        Assert.Equal("""["1970-01-01T00:00:00Z","1970-01-01T00:00:00Z"]""", results[0].GetProperty("event_timestamps").GetRawText());
        Assert.Equal("[0.5,null]", results[1].GetProperty("values").GetRawText());
        Assert.Equal("""["PRESENT","NOT_FOUND"]""", results[1].GetProperty("statuses").GetRawText());
        Assert.Equal("""["2026-03-01T11:55:00Z","1970-01-01T00:00:00Z"]""", results[2].GetProperty("event_timestamps").GetRawText());
    }

    [Fact]
    public async Task GetOnlineFeatures_FeatureService_UsesServiceFeatures()
    {
        using var response = await Post("/get-online-features",
            """{"feature_service": "driver_model_v1", "entities": {"driver_id": [1]}, "full_feature_names": true}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["driver_id", "driver_stats__conv_rate", "driver_profile__name"],
            body.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("""{"features": ["driver_stats:nope"], "entities": {"driver_id": [1]}}""", "driver_stats:nope")]
    [InlineData("""{"feature_service": "ghost", "entities": {"driver_id": [1]}}""", "ghost")]
    [InlineData("""{"features": ["driver_stats:trips"], "entities": {"driver_id": ["x"]}}""", "INT64")]
    [InlineData("""{"features": ["driver_stats:trips"]}""", "entities")]
    [InlineData("""{"features": ["driver_stats:trips"], "entities": {"driver_id": [[1]]}}""", "driver_id")]
    [InlineData("""{"features": ["driver_stats:trips"], "entities": """, "not valid JSON")]
    [InlineData("""[1]""", "JSON object")]
    public async Task GetOnlineFeatures_BadRequest_Returns400WithErrorNamingProblem(string json, string named)
    {
        using var response = await Post("/get-online-features", json);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_OnlineAndOffline_ServesOnlineAndAppendsParquetWithSourceColumns()
    {
        using var push = await Post("/push", """
            {"push_source_name": "driver_stats_source", "to": "online_and_offline",
             "df": {"driver_id": [7, 8], "event_timestamp": ["2026-03-01T11:00:00Z", "2026-03-01T11:30:00Z"],
                    "conv_rate": [0.25, 0.75], "trips": [2, null]}}
            """);
        using var read = await Post("/get-online-features", """{"features": ["driver_stats:conv_rate", "driver_stats:trips"], "entities": {"driver_id": [8, 7]}}""");
        using var body = JsonDocument.Parse(await read.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        await _server.Services.GetRequiredService<FeaturePushService>().FlushOfflineAsync(default);
        var results = body.RootElement.GetProperty("results");
        Assert.Equal("[0.75,0.25]", results[1].GetProperty("values").GetRawText());
        Assert.Equal("""["NULL_VALUE","PRESENT"]""", results[2].GetProperty("statuses").GetRawText());
        var file = Assert.Single(Directory.GetFiles(_folder.Combine("offline", "pushed", "driver_stats_source"), "*.parquet"));
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT driver_id, event_timestamp, conv_rate, trips, created FROM read_parquet('{file}') ORDER BY driver_id";
        using var rows = command.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal(7L, rows.GetInt64(0));
        Assert.Equal(new DateTime(2026, 3, 1, 11, 0, 0), rows.GetDateTime(1));
        Assert.Equal(0.25, rows.GetDouble(2));
        Assert.True(rows.IsDBNull(4));
        Assert.True(rows.Read());
        Assert.True(rows.IsDBNull(3));
    }

    [Fact]
    public async Task Push_OfflineOnly_DoesNotTouchOnlineStore()
    {
        using var push = await Post("/push", """
            {"feature_view": "driver_stats", "to": "offline",
             "df": {"driver_id": [7], "event_timestamp": ["2026-03-01T11:00:00Z"], "conv_rate": [0.25], "trips": [2]}}
            """);
        var result = await _store.ReadAsync([EntityKey.Create("driver_id", FeatureValue.FromInt64(7))],
            new OnlineReadPlan([new OnlineViewRequest("driver_stats", ["conv_rate"])]), default);

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        await _server.Services.GetRequiredService<FeaturePushService>().FlushOfflineAsync(default);
        Assert.False(result.IsFound(0, 0));
        Assert.Single(Directory.GetFiles(_folder.Combine("offline", "pushed", "driver_stats_source"), "*.parquet"));
    }

    [Theory]
    [InlineData("""{"push_source_name": "nope", "df": {"a": [1]}}""", "'nope'")]
    [InlineData("""{"push_source_name": "driver_stats_source", "df": {"driver_id": [1], "event_timestamp": ["2026-01-01T00:00:00Z"], "conv_rate": [0.1]}}""", "'trips'")]
    [InlineData("""{"push_source_name": "driver_stats_source", "df": {"driver_id": ["a"], "event_timestamp": ["2026-01-01T00:00:00Z"], "conv_rate": [0.1], "trips": [1]}}""", "'driver_id' row 0")]
    [InlineData("""{"push_source_name": "driver_stats_source", "df": {"driver_id": [1], "event_timestamp": ["yesterday"], "conv_rate": [0.1], "trips": [1]}}""", "'event_timestamp' row 0")]
    [InlineData("""{"push_source_name": "driver_stats_source", "to": "cloud", "df": {}}""", "'cloud'")]
    public async Task Push_BadRequest_Returns400NamingProblem(string json, string named)
    {
        using var response = await Post("/push", json);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_EventTimestampFarInFuture_Returns400NamingRowColumnAndLimitAndLaterPushesStillServed()
    {
        using var future = await Post("/push", """
            {"feature_view": "driver_stats", "to": "online",
             "df": {"driver_id": [5, 5], "event_timestamp": ["2026-03-01T11:00:00Z", "9999-01-01T00:00:00Z"], "conv_rate": [0.1, 0.9], "trips": [1, 9]}}
            """);
        var error = (await future.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        using var later = await Post("/push", """
            {"feature_view": "driver_stats", "to": "online",
             "df": {"driver_id": [5], "event_timestamp": ["2026-03-01T12:04:00Z"], "conv_rate": [0.4], "trips": [4]}}
            """);
        using var read = await Post("/get-online-features", """{"features": ["driver_stats:conv_rate"], "entities": {"driver_id": [5]}}""");
        using var body = JsonDocument.Parse(await read.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("'event_timestamp' row 1", error, StringComparison.Ordinal);
        Assert.Contains("9999-01-01T00:00:00Z", error, StringComparison.Ordinal);
        Assert.Contains("later than 2026-03-01T12:05:00Z", error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal("[0.4]", body.RootElement.GetProperty("results")[1].GetProperty("values").GetRawText());
    }

    [Fact]
    public async Task Push_CreatedTimestampBeyondSkew_Returns400NamingCreatedColumn()
    {
        using var response = await Post("/push", """
            {"feature_view": "driver_stats", "to": "offline",
             "df": {"driver_id": [5], "event_timestamp": ["2026-03-01T11:00:00Z"], "created": ["2026-03-01T12:05:01Z"], "conv_rate": [0.1], "trips": [1]}}
            """);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'created' row 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_EpochSecondsIntegerAndFractional_ServedAndStoredWithThoseTimestamps()
    {
        // 1772362800 is 2026-03-01T11:00:00Z.
        using var push = await Post("/push", """
            {"feature_view": "driver_stats", "to": "online_and_offline",
             "df": {"driver_id": [21, 22], "event_timestamp": [1772362800, 1772362800.25], "created": [1772362801, null], "conv_rate": [0.1, 0.2], "trips": [1, 2]}}
            """);
        using var read = await Post("/get-online-features", """{"features": ["driver_stats:conv_rate"], "entities": {"driver_id": [21, 22]}}""");
        using var body = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        await _server.Services.GetRequiredService<FeaturePushService>().FlushOfflineAsync(default);

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        Assert.Equal("""["2026-03-01T11:00:00Z","2026-03-01T11:00:00.25Z"]""", body.RootElement.GetProperty("results")[1].GetProperty("event_timestamps").GetRawText());
        var file = Assert.Single(Directory.GetFiles(_folder.Combine("offline", "pushed", "driver_stats_source"), "*.parquet"));
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT event_timestamp, created FROM read_parquet('{file}') ORDER BY driver_id";
        using var rows = command.ExecuteReader();
        Assert.True(rows.Read());
        Assert.Equal((new DateTime(2026, 3, 1, 11, 0, 0), new DateTime(2026, 3, 1, 11, 0, 1)), (rows.GetDateTime(0), rows.GetDateTime(1)));
        Assert.True(rows.Read());
        Assert.Equal(new DateTime(2026, 3, 1, 11, 0, 0, 250), rows.GetDateTime(0));
    }

    [Theory]
    [InlineData("1772362800000", "epoch seconds from -62135596800 to 253402300799")]
    [InlineData("-62135596801", "epoch seconds")]
    [InlineData("1e300", "epoch seconds")]
    [InlineData("true", "UNIX_TIMESTAMP")]
    public async Task Push_TimestampNumberOutOfRange_Returns400NamingRowAndRange(string value, string named)
    {
        using var response = await Post("/push", $$$"""
            {"feature_view": "driver_stats", "to": "online",
             "df": {"driver_id": [5, 6], "event_timestamp": [1772362800, {{{value}}}], "conv_rate": [0.1, 0.2], "trips": [1, 2]}}
            """);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'event_timestamp' row 1", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_EmbeddedStore_ReportsOk()
    {
        var health = await _server.Client.GetFromJsonAsync<JsonElement>("/health/features");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("sqlite", health.GetProperty("onlineStore").GetString());
    }

    /// <summary>Found by the fuzzer: JsonElement decodes property names lazily and threw InvalidOperationException (a 500).</summary>
    [Theory]
    [InlineData("/get-online-features", "{\"features\": [\"driver_stats:conv_rate\"], \"entities\": {\"driver\u00ff_id\": [1]}}")]
    [InlineData("/push", "{\"feature_view\": \"driver_stats\", \"to\": \"online\", \"df\": {\"driver\u00ff_id\": [7]}}")]
    public async Task Post_PropertyNameThatIsNotValidUtf8_Returns400(string path, string json)
    {
        // U+00FF stands for one byte 0xFF, which no UTF-8 text contains.
        var bytes = json.Select(c => (byte)c).ToArray();

        using var response = await _server.Client.PostAsync(path, new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> Post(string path, string json) =>
        _server.Client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}
