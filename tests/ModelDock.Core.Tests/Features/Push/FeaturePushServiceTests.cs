using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features.Push;

public sealed class FeaturePushServiceTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Push_OnlineAndOffline_TrainingRetrievalSeesWhatServingServes()
    {
        var repository = DriverFeatureRepository.Create(_folder.Path);
        ParquetRowWriter.Write(_folder.Combine("driver_stats.parquet"),
            [
                ("driver_id", FeatureValueType.Int64, [FeatureValue.FromInt64(3)]),
                ("event_timestamp", FeatureValueType.UnixTimestamp, [FeatureValue.FromTimestamp(T0)]),
                ("created", FeatureValueType.UnixTimestamp, [FeatureValue.FromTimestamp(T0)]),
                ("conv_rate", FeatureValueType.Double, [FeatureValue.FromDouble(0.1)]),
                ("trips", FeatureValueType.Int64, [FeatureValue.FromInt64(1)]),
            ], 1);
        var dataDir = _folder.Combine("data");
        await using var store = SqliteOnlineStore.Open(SqliteOnlineStore.PathIn(dataDir));
        await using var push = new FeaturePushService(repository, store, dataDir, new ManualTimeProvider(T0.AddDays(3)));

        var pushed = await push.PushAsync(new PushRequest("driver_stats_source", null,
            [
                new ValueColumn("driver_id", [FeatureValue.FromInt64(3)]),
                new ValueColumn("event_timestamp", [FeatureValue.FromString("2026-02-03T00:00:00Z")]),
                new ValueColumn("conv_rate", [FeatureValue.FromDouble(9.5)]),
                new ValueColumn("trips", [FeatureValue.FromInt64(999)]),
            ], PushTarget.OnlineAndOffline), default);
        await push.FlushOfflineAsync(default);

        var online = await store.ReadAsync([EntityKey.Create("driver_id", FeatureValue.FromInt64(3))],
            new OnlineReadPlan([new OnlineViewRequest("driver_stats", ["conv_rate", "trips"])]), default);
        var training = new OfflineStore(dataDir).GetHistoricalFeatures(
            EntityTable.FromRows(["driver_id", "event_timestamp"], [[3L, new DateTime(2026, 2, 3, 1, 0, 0)]]),
            new HistoricalFeatureRequest(repository, [new FeatureReference("driver_stats", "conv_rate"), new FeatureReference("driver_stats", "trips")]));

        Assert.Equal(1, pushed.OnlineRowsWritten["driver_stats"]);
        Assert.True(pushed.StoredOffline);
        var row = Assert.Single(training.Rows);
        Assert.Equal(online.GetValue(0, 0).AsDouble(), Convert.ToDouble(row[training.ColumnIndex("conv_rate")], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(online.GetValue(0, 1).AsInt64(), Convert.ToInt64(row[training.ColumnIndex("trips")], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(999, online.GetValue(0, 1).AsInt64());
    }
}
