using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features.Online;

public sealed class OnlineFeatureServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly ManualTimeProvider _time = new(Now);
    private SqliteOnlineStore _store = null!;
    private OnlineFeatureService _service = null!;

    public Task InitializeAsync()
    {
        _store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        _service = new OnlineFeatureService(DriverFeatureRepository.Create(_folder.Path), _store, _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task GetOnlineFeatures_StoredRows_ReturnsJoinKeysFirstThenValuesInRequestOrder()
    {
        var statsTime = Now.AddMinutes(-30);
        var profileTime = Now.AddDays(-400);
        await WriteStats(1001, 0.25, 7, statsTime);
        await WriteStats(1002, 0.75, 9, statsTime);
        await _store.WriteAsync("driver_profile", ["name", "active"],
            [new OnlineWriteRow(DriverKey(1001), [FeatureValue.FromString("Ana"), FeatureValue.FromBool(true)], profileTime)], default);

        var response = await _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["driver_profile:name", "driver_stats:conv_rate", "driver_stats:trips"], Drivers(1001, 1002)),
            default);

        Assert.Equal(["driver_id", "name", "conv_rate", "trips"], response.FeatureNames);
        Assert.Equal(1001, response.GetValue(0, 0).AsInt64());
        Assert.Equal(FeatureStatus.Present, response.GetStatus(0, 1));
        Assert.Equal(DateTimeOffset.UnixEpoch, response.GetEventTimestamp(0, 0));
        Assert.Equal("Ana", response.GetValue(1, 0).AsString());
        Assert.Equal(profileTime, response.GetEventTimestamp(1, 0));
        Assert.Equal(FeatureStatus.NotFound, response.GetStatus(1, 1));
        Assert.Equal(DateTimeOffset.UnixEpoch, response.GetEventTimestamp(1, 1));
        Assert.Equal([0.25, 0.75], [response.GetValue(2, 0).AsDouble(), response.GetValue(2, 1).AsDouble()]);
        Assert.Equal([7L, 9L], [response.GetValue(3, 0).AsInt64(), response.GetValue(3, 1).AsInt64()]);
        Assert.Equal(statsTime, response.GetEventTimestamp(3, 1));
    }

    [Fact]
    public async Task GetOnlineFeatures_TwoViewsOfOneEntity_ReadsStoreOnce()
    {
        var before = _store.ReadStatementCount;

        await _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["driver_stats", "driver_profile"], Drivers(1, 2, 3)), default);

        Assert.Equal(before + 1, _store.ReadStatementCount);
    }

    [Fact]
    public async Task GetOnlineFeatures_ValueOlderThanTtl_IsOutsideMaxAgeAndNotServed()
    {
        await WriteStats(1, 0.5, 1, Now - DriverFeatureRepository.StatsTtl - TimeSpan.FromTicks(1));
        await WriteStats(2, 0.6, 2, Now - DriverFeatureRepository.StatsTtl);

        var response = await _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["driver_stats:conv_rate"], Drivers(1, 2)), default);

        Assert.Equal(FeatureStatus.OutsideMaxAge, response.GetStatus(1, 0));
        Assert.True(response.GetValue(1, 0).IsNull);
        Assert.Equal(FeatureStatus.Present, response.GetStatus(1, 1));
        Assert.Equal(0.6, response.GetValue(1, 1).AsDouble());
    }

    [Fact]
    public async Task GetOnlineFeatures_ClockMovesPastTtl_SameRowBecomesOutsideMaxAge()
    {
        await WriteStats(1, 0.5, 1, Now);
        var request = OnlineFeaturesRequest.ForFeatures(["driver_stats:conv_rate"], Drivers(1));

        var fresh = await _service.GetOnlineFeaturesAsync(request, default);
        _time.Now = Now + DriverFeatureRepository.StatsTtl + TimeSpan.FromSeconds(1);
        var stale = await _service.GetOnlineFeaturesAsync(request, default);

        Assert.Equal(FeatureStatus.Present, fresh.GetStatus(1, 0));
        Assert.Equal(FeatureStatus.OutsideMaxAge, stale.GetStatus(1, 0));
    }

    [Fact]
    public async Task GetOnlineFeatures_StoredNull_IsNullValue()
    {
        await _store.WriteAsync("driver_stats", ["conv_rate", "trips"],
            [new OnlineWriteRow(DriverKey(1), [FeatureValue.Null, FeatureValue.FromInt64(3)], Now)], default);

        var response = await _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["driver_stats:conv_rate"], Drivers(1)), default);

        Assert.Equal(FeatureStatus.NullValue, response.GetStatus(1, 0));
    }

    [Fact]
    public async Task GetOnlineFeatures_FeatureServiceWithFullNames_NamesColumnsViewDoubleUnderscoreFeature()
    {
        await WriteStats(1, 0.5, 1, Now);

        var response = await _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForService("driver_model_v1", Drivers(1), fullFeatureNames: true), default);

        Assert.Equal(["driver_id", "driver_stats__conv_rate", "driver_profile__name"], response.FeatureNames);
        Assert.Equal(0.5, response.GetValue(1, 0).AsDouble());
    }

    [Fact]
    public async Task GetOnlineFeatures_SameFeatureNameFromTwoViewsWithoutFullNames_InvalidInputSuggestsFullNames()
    {
        var request = OnlineFeaturesRequest.ForFeatures(["driver_stats:trips", "customer_stats:trips"],
            [.. Drivers(1), new ValueColumn("customer_id", [FeatureValue.FromString("c")])]);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _service.GetOnlineFeaturesAsync(request, default).AsTask());

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("full_feature_names", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("driver_stats:nope", "driver_stats:nope")]
    [InlineData("no_view:x", "no_view")]
    [InlineData("no_view", "no_view")]
    [InlineData("a:b:c", "a:b:c")]
    public async Task GetOnlineFeatures_UnknownFeature_InvalidInputNamingIt(string feature, string named)
    {
        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures([feature], Drivers(1)), default).AsTask());

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_UnknownService_InvalidInputNamingIt()
    {
        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForService("ghost_service", Drivers(1)), default).AsTask());

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'ghost_service'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_StringForInt64Key_InvalidInputNamingKeyAndType()
    {
        var entities = new[] { new ValueColumn("driver_id", [FeatureValue.FromInt64(1), FeatureValue.FromString("abc")]) };

        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"], entities), default).AsTask());

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'driver_id'", error.Message, StringComparison.Ordinal);
        Assert.Contains("INT64", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"abc\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_MissingJoinKeyOrRaggedColumns_InvalidInput()
    {
        var missing = await Assert.ThrowsAsync<ModelDockException>(() => _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["customer_stats:trips"], Drivers(1)), default).AsTask());
        var ragged = await Assert.ThrowsAsync<ModelDockException>(() => _service.GetOnlineFeaturesAsync(
            OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"],
                [.. Drivers(1, 2), new ValueColumn("customer_id", [FeatureValue.FromString("c")])]), default).AsTask());

        Assert.Equal((ErrorKind.InvalidInput, ErrorKind.InvalidInput), (missing.Kind, ragged.Kind));
        Assert.Contains("'customer_id'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'customer_id' has 1 values", ragged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_MoreRowsThanLimit_InvalidInputNamingLimit()
    {
        var service = new OnlineFeatureService(_service.Repository, _store, _time, new OnlineFeatureOptions { MaxEntityRows = 3 });

        var atLimit = await service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"], Drivers(1, 2, 3)), default);
        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"], Drivers(1, 2, 3, 4)), default).AsTask());

        Assert.Equal(3, atLimit.RowCount);
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("4 entity rows; at most 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxEntityRows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_InvalidOptions_ThrowsNamingEverySetting()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnlineFeatureService(
            _service.Repository, _store, _time, new OnlineFeatureOptions { MaxEntityRows = 0, RowCacheMaxAge = TimeSpan.FromHours(1), RowCacheCapacity = -1 }));

        Assert.Contains("MaxEntityRows", error.Message, StringComparison.Ordinal);
        Assert.Contains("RowCacheMaxAge", error.Message, StringComparison.Ordinal);
        Assert.Contains("RowCacheCapacity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOnlineFeatures_CallerChangesEntityValuesAfterwards_AnswerKeepsRequestedKeys()
    {
        FeatureValue[] ids = [FeatureValue.FromInt64(1), FeatureValue.FromInt64(2)];
        var response = await _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"], [new ValueColumn("driver_id", ids)]), default);

        ids[0] = FeatureValue.FromInt64(99);

        Assert.Equal(1, response.GetValue(0, 0).AsInt64());
    }

    [Fact]
    public async Task GetOnlineFeatures_CallerReusesAndChangesItsFeatureList_EachRequestGetsItsOwnFeatures()
    {
        var features = new List<string> { "driver_stats:trips" };
        var first = await _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(features, Drivers(1)), default);
        features[0] = "driver_profile:name";
        var second = await _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(features, Drivers(1)), default);
        var third = await _service.GetOnlineFeaturesAsync(OnlineFeaturesRequest.ForFeatures(["driver_stats:trips"], Drivers(1)), default);

        Assert.Equal(["driver_id", "trips"], first.FeatureNames);
        Assert.Equal(["driver_id", "name"], second.FeatureNames);
        Assert.Equal(["driver_id", "trips"], third.FeatureNames);
    }

    private static EntityKey DriverKey(long id) => EntityKey.Create("driver_id", FeatureValue.FromInt64(id));

    private static ValueColumn[] Drivers(params long[] ids) =>
        [new ValueColumn("driver_id", [.. ids.Select(FeatureValue.FromInt64)])];

    private Task WriteStats(long driver, double convRate, long trips, DateTimeOffset at) =>
        _store.WriteAsync("driver_stats", ["conv_rate", "trips"],
            [new OnlineWriteRow(DriverKey(driver), [FeatureValue.FromDouble(convRate), FeatureValue.FromInt64(trips)], at)], default);
}
