using System.Net;
using System.Text.Json;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>The feature routes over the registry, as <c>serve</c> wires them: pinned service versions and applies made while serving.</summary>
public sealed class FeatureRegistryServingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private readonly TempFolder _folder = new();
    private FeatureRegistry _registry = null!;
    private SqliteOnlineStore _store = null!;
    private FeatureTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _registry = new FeatureRegistry(_folder.Combine("data"), TimeProvider.System);
        _registry.Apply(DriverFeatureRepository.Create(_folder.Path));
        _registry.Apply(WithService(DriverFeatureRepository.Create(_folder.Path), new FeatureReference("driver_stats", "conv_rate"), new FeatureReference("driver_stats", "trips")));
        _store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var key = EntityKey.Create("driver_id", FeatureValue.FromInt64(7));
        await _store.WriteAsync("driver_stats", ["conv_rate", "trips"], [new OnlineWriteRow(key, [FeatureValue.FromDouble(0.25), FeatureValue.FromInt64(4)], Now.AddMinutes(-1))], default);
        await _store.WriteAsync("driver_profile", ["name", "active"], [new OnlineWriteRow(key, [FeatureValue.FromString("Ada"), FeatureValue.FromBool(true)], Now.AddMinutes(-1))], default);
        _server = await FeatureTestServer.StartFromRegistryAsync(_store, _folder.Combine("data"), new ManualTimeProvider(Now));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _registry.Dispose();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("driver_model_v1:1", new[] { "driver_id", "conv_rate", "name" }, "[0.25]", "[\"Ada\"]")]
    [InlineData("driver_model_v1:2", new[] { "driver_id", "conv_rate", "trips" }, "[0.25]", "[4]")]
    [InlineData("driver_model_v1", new[] { "driver_id", "conv_rate", "trips" }, "[0.25]", "[4]")]
    public async Task GetOnlineFeatures_ServiceWithOrWithoutVersion_ServesThatVersionsFeatures(string service, string[] names, string first, string second)
    {
        using var response = await PostAsync($$$"""{"feature_service": "{{{service}}}", "entities": {"driver_id": [7]}}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(names, body.RootElement.GetProperty("metadata").GetProperty("feature_names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(first, body.RootElement.GetProperty("results")[1].GetProperty("values").GetRawText());
        Assert.Equal(second, body.RootElement.GetProperty("results")[2].GetProperty("values").GetRawText());
    }

    [Theory]
    [InlineData("driver_model_v1:3", HttpStatusCode.NotFound, "Unknown feature service 'driver_model_v1' version 3.")]
    [InlineData("no_such_service:1", HttpStatusCode.NotFound, "Unknown feature service 'no_such_service' version 1.")]
    [InlineData("driver_model_v1:0", HttpStatusCode.BadRequest, "'driver_model_v1:0' is not of the form 'name' or 'name:version' with a version of 1 or more.")]
    [InlineData("driver_model_v1:latest", HttpStatusCode.BadRequest, "'driver_model_v1:latest' is not of the form 'name' or 'name:version' with a version of 1 or more.")]
    public async Task GetOnlineFeatures_UnknownOrMalformedServiceVersion_4xxNamingIt(string service, HttpStatusCode status, string error)
    {
        using var response = await PostAsync($$$"""{"feature_service": "{{{service}}}", "entities": {"driver_id": [7]}}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(error, body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Apply_WhileServing_AddedViewServedAndRemovedViewRefusedWithinSeconds()
    {
        var current = DriverFeatureRepository.Create(_folder.Path);
        var withRatings = new FeatureRepository(
            current.Folder,
            current.Entities,
            current.Sources,
            [.. current.FeatureViews, new FeatureView("driver_ratings", ["driver"], TimeSpan.Zero, "driver_stats_source", Online: true, [new FeatureField("rating", FeatureValueType.Double)], new Dictionary<string, string>())],
            current.FeatureServices);
        await _store.WriteAsync("driver_ratings", ["rating"], [new OnlineWriteRow(EntityKey.Create("driver_id", FeatureValue.FromInt64(7)), [FeatureValue.FromDouble(4.5)], Now)], default);
        const string Ratings = """{"features": ["driver_ratings:rating"], "entities": {"driver_id": [7]}}""";
        using (var before = await PostAsync(Ratings))
        {
            Assert.Equal(HttpStatusCode.BadRequest, before.StatusCode);
        }

        _registry.Apply(withRatings);
        var added = await WaitForStatusAsync(Ratings, HttpStatusCode.OK);
        _registry.Apply(current);
        var removed = await WaitForStatusAsync(Ratings, HttpStatusCode.BadRequest);

        using var addedBody = JsonDocument.Parse(added);
        Assert.Equal("[4.5]", addedBody.RootElement.GetProperty("results")[1].GetProperty("values").GetRawText());
        using var removedBody = JsonDocument.Parse(removed);
        Assert.Equal("Unknown feature 'driver_ratings:rating': there is no feature view 'driver_ratings'.", removedBody.RootElement.GetProperty("error").GetString());
    }

    private static FeatureRepository WithService(FeatureRepository repository, params FeatureReference[] features) => new(
        repository.Folder,
        repository.Entities,
        repository.Sources,
        repository.FeatureViews,
        [new FeatureService("driver_model_v1", features, "Inputs of the driver model.", new Dictionary<string, string>())]);

    private async Task<HttpResponseMessage> PostAsync(string json) =>
        await _server.Client.PostAsync("/get-online-features", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>Asks until the answer has <paramref name="status"/>, failing after <see cref="Patience"/>; returns the body.</summary>
    private async Task<string> WaitForStatusAsync(string json, HttpStatusCode status)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Patience.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            using var response = await PostAsync(json);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == status)
            {
                return body;
            }

            Assert.True(TimeProvider.System.GetTimestamp() < deadline, $"still {(int)response.StatusCode} {body} after {Patience.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
