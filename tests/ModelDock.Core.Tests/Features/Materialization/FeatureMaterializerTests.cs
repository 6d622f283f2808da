using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Materialization;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features.Materialization;

public sealed class FeatureMaterializerTests : IDisposable
{
    private const int Drivers = 40;
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FeatureRepository _repository;
    private readonly List<SourceRow> _rows;

    public FeatureMaterializerTests()
    {
        _repository = DriverFeatureRepository.Create(_folder.Path);
        var random = new Random(42);
        _rows = [.. Enumerable.Range(0, 500).Select(i => new SourceRow(
            random.Next(Drivers),
            T0.AddMinutes(random.Next(0, 24 * 60)),
            T0.AddMinutes(random.Next(0, 3)),
            i / 1000.0,
            i))];
        WriteSource("driver_stats.parquet", _rows);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Materialize_Interval_WritesLatestRowPerKeyInsideInterval()
    {
        var (start, end) = (T0.AddHours(6), T0.AddHours(18));
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));

        var done = await Materializer(store).MaterializeAsync(start, end, ["driver_stats"], null, default);

        var expected = Latest(_rows.Where(r => r.EventTime >= start && r.EventTime <= end));
        Assert.Equal(expected.Count, Assert.Single(done).Rows);
        var result = await ReadAll(store);
        for (var d = 0; d < Drivers; d++)
        {
            if (expected.TryGetValue(d, out var row))
            {
                Assert.Equal(row.Trips, result.GetValue(d, 1).AsInt64());
                Assert.Equal(row.ConvRate, result.GetValue(d, 0).AsDouble());
                Assert.Equal(row.EventTime, result.GetEventTimestamp(d, 0));
            }
            else
            {
                Assert.False(result.IsFound(d, 0));
            }
        }
    }

    [Fact]
    public async Task Materialize_CancelledHalfWayThenRerun_EndsLikeUninterruptedRun()
    {
        var end = T0.AddDays(1);
        await using var clean = SqliteOnlineStore.Open(_folder.Combine("clean", "online.db"));
        await using var interrupted = SqliteOnlineStore.Open(_folder.Combine("interrupted", "online.db"));
        await Materializer(clean, "clean").MaterializeAsync(T0, end, ["driver_stats"], null, default);

        using var cancel = new CancellationTokenSource();
        var progress = new CancelAfterFirstBatch(cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Materializer(interrupted, "interrupted", batchSize: 7).MaterializeAsync(T0, end, ["driver_stats"], progress, cancel.Token));
        var partial = await ReadAll(interrupted);
        await Materializer(interrupted, "interrupted", batchSize: 7).MaterializeAsync(T0, end, ["driver_stats"], null, default);

        Assert.Equal(7, Enumerable.Range(0, Drivers).Count(d => partial.IsFound(d, 0)));
        var expected = await ReadAll(clean);
        var actual = await ReadAll(interrupted);
        for (var d = 0; d < Drivers; d++)
        {
            Assert.Equal(expected.GetValue(d, 0), actual.GetValue(d, 0));
            Assert.Equal(expected.GetValue(d, 1), actual.GetValue(d, 1));
            Assert.Equal(expected.GetEventTimestamp(d, 0), actual.GetEventTimestamp(d, 0));
        }
    }

    [Fact]
    public async Task MaterializeIncremental_SecondRunAfterReopen_StartsAtPreviousEnd()
    {
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var firstEnd = T0.AddHours(12);
        var secondEnd = T0.AddHours(20);

        var first = await Materializer(store).MaterializeIncrementalAsync(firstEnd, ["driver_stats"], null, default);
        var second = await Materializer(store).MaterializeIncrementalAsync(secondEnd, ["driver_stats"], null, default);
        var third = await Materializer(store).MaterializeIncrementalAsync(secondEnd, ["driver_stats"], null, default);

        Assert.Equal(firstEnd - DriverFeatureRepository.StatsTtl, first[0].Start);
        Assert.Equal(firstEnd, second[0].Start);
        Assert.Equal(Latest(_rows.Where(r => r.EventTime >= firstEnd && r.EventTime <= secondEnd)).Count, second[0].Rows);
        Assert.Equal(0, third[0].Rows);
    }

    [Fact]
    public async Task Materialize_RowPushedOffline_IsMaterializedLikeSourceRows()
    {
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var pushedAt = T0.AddDays(2);
        await using var push = new FeaturePushService(_repository, store, _folder.Combine("data"), new ManualTimeProvider(pushedAt));
        await push.PushAsync(new PushRequest("driver_stats_source", null,
            [
                new ValueColumn("driver_id", [FeatureValue.FromInt64(3)]),
                new ValueColumn("event_timestamp", [FeatureValue.FromString("2026-02-03T00:00:00Z")]),
                new ValueColumn("conv_rate", [FeatureValue.FromDouble(9.5)]),
                new ValueColumn("trips", [FeatureValue.FromInt64(999)]),
            ], PushTarget.Offline), default);
        await push.FlushOfflineAsync(default);

        await Materializer(store).MaterializeAsync(T0, T0.AddDays(3), ["driver_stats"], null, default);

        var result = await ReadAll(store);
        Assert.Equal(999, result.GetValue(3, 1).AsInt64());
    }

    [Fact]
    public async Task Materialize_UnknownViewOrEndBeforeStart_InvalidInput()
    {
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));

        var unknown = await Assert.ThrowsAsync<ModelDockException>(() => Materializer(store).MaterializeAsync(T0, T0.AddDays(1), ["ghost"], null, default));
        var backwards = await Assert.ThrowsAsync<ModelDockException>(() => Materializer(store).MaterializeAsync(T0, T0.AddDays(-1), null, null, default));

        Assert.Equal((ErrorKind.InvalidInput, ErrorKind.InvalidInput), (unknown.Kind, backwards.Kind));
        Assert.Contains("'ghost'", unknown.Message, StringComparison.Ordinal);
    }

    private static Dictionary<int, SourceRow> Latest(IEnumerable<SourceRow> rows) =>
        rows.GroupBy(r => r.Driver).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.EventTime).ThenByDescending(r => r.Created).First());

    private static Task<OnlineReadResult> ReadAll(IOnlineStore store) => store.ReadAsync(
        [.. Enumerable.Range(0, Drivers).Select(d => EntityKey.Create("driver_id", FeatureValue.FromInt64(d)))],
        new OnlineReadPlan([new OnlineViewRequest("driver_stats", ["conv_rate", "trips"])]),
        default).AsTask();

    private FeatureMaterializer Materializer(IOnlineStore store, string dataFolder = "data", int batchSize = FeatureMaterializer.DefaultBatchSize) =>
        new(_repository, store, _folder.Combine(dataFolder), new ManualTimeProvider(T0.AddDays(10)), batchSize);

    private void WriteSource(string file, IReadOnlyList<SourceRow> rows) => ParquetRowWriter.Write(
        _folder.Combine(file),
        [
            ("driver_id", FeatureValueType.Int64, [.. rows.Select(r => FeatureValue.FromInt64(r.Driver))]),
            ("event_timestamp", FeatureValueType.UnixTimestamp, [.. rows.Select(r => FeatureValue.FromTimestamp(r.EventTime))]),
            ("created", FeatureValueType.UnixTimestamp, [.. rows.Select(r => FeatureValue.FromTimestamp(r.Created))]),
            ("conv_rate", FeatureValueType.Double, [.. rows.Select(r => FeatureValue.FromDouble(r.ConvRate))]),
            ("trips", FeatureValueType.Int64, [.. rows.Select(r => FeatureValue.FromInt64(r.Trips))]),
        ],
        rows.Count);

    private sealed record SourceRow(int Driver, DateTimeOffset EventTime, DateTimeOffset Created, double ConvRate, long Trips);

    private sealed class CancelAfterFirstBatch(CancellationTokenSource cancel) : IProgress<MaterializationProgress>
    {
        public void Report(MaterializationProgress value)
        {
            if (value.RowsWritten > 0)
            {
                cancel.Cancel();
            }
        }
    }
}
