using System.Globalization;
using DuckDB.NET.Data;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features.Push;

public sealed class OfflinePushLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset EventTime = T0.AddDays(1);
    private readonly TempFolder _folder = new();
    private FeatureRepository _repository = null!;
    private SqliteOnlineStore _store = null!;

    private string DataDir => _folder.Combine("data");

    private string PushedFolder => Path.Combine(DataDir, "offline", "pushed", "driver_stats_source");

    private string LogFolder => Path.Combine(DataDir, "offline", "push-log");

    public Task InitializeAsync()
    {
        _repository = DriverFeatureRepository.Create(_folder.Path);
        ParquetRowWriter.Write(_folder.Combine("driver_stats.parquet"),
            [
                ("driver_id", FeatureValueType.Int64, [FeatureValue.FromInt64(-1)]),
                ("event_timestamp", FeatureValueType.UnixTimestamp, [FeatureValue.FromTimestamp(T0)]),
                ("created", FeatureValueType.UnixTimestamp, [FeatureValue.FromTimestamp(T0)]),
                ("conv_rate", FeatureValueType.Double, [FeatureValue.FromDouble(0)]),
                ("trips", FeatureValueType.Int64, [FeatureValue.FromInt64(0)]),
            ], 1);
        _store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task PushAsync_ManyConcurrentSmallOfflinePushes_EveryRowOnceInHistoricalRetrievalAndFewFiles()
    {
        const int Pushes = 2_000;
        var sizes = new Random(7).GetItems(Enumerable.Range(1, 10).ToArray(), Pushes);
        var firstIds = new long[Pushes];
        for (var p = 1; p < Pushes; p++)
        {
            firstIds[p] = firstIds[p - 1] + sizes[p - 1];
        }

        var total = firstIds[^1] + sizes[^1];

        // Small files roll by size several times during the run, so compaction of sealed files overlaps new appends.
        await using (var push = Service(new FeaturePushOptions { OfflineRollBytes = 64 * 1024 }))
        {
            await Parallel.ForAsync(0, Pushes, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (p, ct) =>
                await push.PushAsync(Request(firstIds[p], sizes[p], PushTarget.Offline), ct));
            await push.FlushOfflineAsync(default);

            var (rows, distinct) = CountPushedRows();
            var files = Directory.GetFiles(PushedFolder, "*.parquet");
            Assert.Equal((total, total), (rows, distinct));
            Assert.InRange(files.Length, 2, Pushes / 20);
            Assert.Empty(Directory.GetFiles(LogFolder, "*.wal"));
        }

        var training = new OfflineStore(DataDir).GetHistoricalFeatures(
            EntityTable.FromRows(["driver_id", "event_timestamp"], [.. Enumerable.Range(0, (int)total).Select(id => new object?[] { (long)id, EventTime.AddHours(1).UtcDateTime })]),
            new HistoricalFeatureRequest(_repository, [new FeatureReference("driver_stats", "conv_rate"), new FeatureReference("driver_stats", "trips")]));
        var (ids, trips) = (training.ColumnIndex("driver_id"), training.ColumnIndex("trips"));
        Assert.Equal(total, training.Rows.Count);
        Assert.All(training.Rows, row => Assert.Equal(Convert.ToInt64(row[ids], CultureInfo.InvariantCulture) * 10, Convert.ToInt64(row[trips], CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("cut short")]
    [InlineData("garbled")]
    [InlineData("header only")]
    public async Task StartAsync_LeftWriteAheadFileWithBadLastRecord_CompactsCompleteRecordsAndIgnoresTheRest(string tail)
    {
        Directory.CreateDirectory(LogFolder);
        var kept = Encode(Request(0, 3, PushTarget.Offline));
        var lost = Encode(Request(3, 4, PushTarget.Offline));
        using (var file = File.Create(Path.Combine(LogFolder, "0638000000000000000-left" + PushLogFile.Extension)))
        {
            PushLogFile.WriteHeader(file);
            if (tail != "header only")
            {
                PushLogFile.WriteRecord(file, kept);
                using var last = new MemoryStream();
                PushLogFile.WriteRecord(last, lost);
                var bytes = last.ToArray();
                if (tail == "garbled")
                {
                    bytes[^5] ^= 0xFF;
                }

                file.Write(bytes, 0, tail == "cut short" ? bytes.Length / 2 : bytes.Length);
            }
        }

        await using var push = Service();
        await push.StartAsync(default);

        Assert.Empty(Directory.GetFiles(LogFolder, "*.wal"));
        Assert.Equal(tail == "header only" ? (0L, 0L) : (3L, 3L), CountPushedRows());
        Assert.Empty(Directory.Exists(PushedFolder) ? Directory.GetFiles(PushedFolder, "*.partial") : []);
    }

    [Fact]
    public async Task StartAsync_WriteAheadFileAlreadyCompactedBeforeACrash_WritesNoRowTwice()
    {
        // A crash after the Parquet file was renamed into place but before the write-ahead file was deleted.
        Directory.CreateDirectory(LogFolder);
        var wal = Path.Combine(LogFolder, "0638000000000000000-twice" + PushLogFile.Extension);
        using (var file = File.Create(wal))
        {
            PushLogFile.WriteHeader(file);
            PushLogFile.WriteRecord(file, Encode(Request(0, 5, PushTarget.Offline)));
        }

        File.Copy(wal, wal + ".copy");
        new PushLogCompactor(new OfflineStore(DataDir)).Compact(wal);
        File.Move(wal + ".copy", wal);

        await using var push = Service();
        await push.StartAsync(default);

        Assert.Equal((5L, 5L), CountPushedRows());
        Assert.Empty(Directory.GetFiles(LogFolder, "*.wal"));
    }

    [Fact]
    public async Task PushAsync_AnotherServiceHoldsTheDataFolder_OfflinePushUnavailableOnlinePushServed()
    {
        await using var first = Service();
        await first.StartAsync(default);
        await using var second = Service();

        var offline = await Assert.ThrowsAsync<ModelDockException>(() => second.PushAsync(Request(0, 1, PushTarget.Offline), default));
        var online = await second.PushAsync(Request(1, 1, PushTarget.Online), default);

        Assert.Equal(ErrorKind.Unavailable, offline.Kind);
        Assert.DoesNotContain(DataDir, offline.Message, StringComparison.Ordinal);
        Assert.Equal(1, online.OnlineRowsWritten["driver_stats"]);
    }

    private FeaturePushService Service(FeaturePushOptions? options = null) =>
        new(_repository, _store, DataDir, new ManualTimeProvider(T0.AddDays(3)), options);

    private static PushRequest Request(long firstId, int rows, PushTarget to)
    {
        var ids = Enumerable.Range(0, rows).Select(i => firstId + i).ToArray();
        return new PushRequest("driver_stats_source", null,
            [
                new ValueColumn("driver_id", [.. ids.Select(FeatureValue.FromInt64)]),
                new ValueColumn("event_timestamp", [.. ids.Select(_ => FeatureValue.FromTimestamp(EventTime))]),
                new ValueColumn("conv_rate", [.. ids.Select(id => FeatureValue.FromDouble(id * 0.5))]),
                new ValueColumn("trips", [.. ids.Select(id => FeatureValue.FromInt64(id * 10))]),
            ], to);
    }

    /// <summary>A push as the service logs it: every column of the source, typed, the created column left null.</summary>
    private static byte[] Encode(PushRequest request)
    {
        var count = request.Columns[0].Values.Count;
        var columns = request.Columns
            .Select(c => new PushLogColumn(c.Name, c.Name == "conv_rate" ? FeatureValueType.Double : c.Name == "event_timestamp" ? FeatureValueType.UnixTimestamp : FeatureValueType.Int64, [.. c.Values]))
            .Append(new PushLogColumn("created", FeatureValueType.UnixTimestamp, new FeatureValue[count]))
            .ToArray();
        return new PushLogRecord("driver_stats_source", columns, count).Encode();
    }

    private (long Rows, long Distinct) CountPushedRows()
    {
        if (!Directory.Exists(PushedFolder) || Directory.GetFiles(PushedFolder, "*.parquet").Length == 0)
        {
            return (0, 0);
        }

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), count(DISTINCT driver_id) FROM read_parquet('{Path.Combine(PushedFolder, "*.parquet")}', union_by_name = true)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
