using ModelDock.Errors;
using ModelDock.Features.Offline;
using Xunit;

namespace ModelDock.Core.Tests.Features;

public sealed class OfflineStoreTests
{
    [Fact]
    public void GetHistoricalFeatures_RowAtOrBeforeTimestamp_ReturnsLatestNeverFuture()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 0, 0, 0.1), (1, 10, 10, 0.2), (1, 20, 20, 0.3));

        var values = fixture.Retrieve((1, -1), (1, 0), (1, 9.99), (1, 10), (1, 19), (1, 500));

        Assert.Equal([null, 0.1, 0.1, 0.2, 0.2, 0.3], values);
    }

    [Fact]
    public void GetHistoricalFeatures_TtlBoundary_IsInclusive()
    {
        using var fixture = new OfflineFixture("10m");
        fixture.WriteSource((1, 0, 0, 0.5));

        var microsecond = 1.0 / 60_000_000;
        var values = fixture.Retrieve((1, 10), (1, 10 + microsecond), (1, 5));

        Assert.Equal([0.5, null, 0.5], values);
    }

    [Fact]
    public void GetHistoricalFeatures_LatestRowTooOld_ReturnsNullEvenWhenNoOtherRow()
    {
        using var fixture = new OfflineFixture("1h");
        fixture.WriteSource((1, 0, 0, 0.5), (2, 100, 100, 0.7));

        var values = fixture.Retrieve((1, 61), (2, 120), (3, 120));

        Assert.Equal([null, 0.7, null], values);
    }

    [Fact]
    public void GetHistoricalFeatures_SameEventTimestamp_GreatestCreatedWins()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 5, 6, 0.1), (1, 5, 30, 0.9), (1, 5, 7, 0.2), (1, 4, 100, 0.4));

        Assert.Equal([0.9], fixture.Retrieve((1, 5)));
    }

    [Fact]
    public void GetHistoricalFeatures_PushedFiles_AreUnionedWithSource()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 0, 0, 0.1));
        fixture.WritePushed("0001.parquet", (1, 10, 10, 0.2));
        fixture.WritePushed("0002.parquet", (2, 3, 3, 0.3), (1, 0, 1, 0.15));

        var values = fixture.Retrieve((1, 5), (1, 11), (2, 4));

        Assert.Equal([0.15, 0.2, 0.3], values);
    }

    [Fact]
    public void GetHistoricalFeatures_CsvSource_ReadsLikeParquet()
    {
        using var fixture = new OfflineFixture("0", "data/stats.csv");
        fixture.WriteSource((1, 0, 0, 0.25), (1, 10, 10, 0.5));

        Assert.Equal([0.25, 0.5], fixture.Retrieve((1, 5), (1, 10)));
    }

    [Fact]
    public void GetHistoricalFeatures_CsvSourceWithTtlAndCreatedColumn_ReadsLikeParquet()
    {
        using var fixture = new OfflineFixture("10m", "data/stats.csv");
        fixture.WriteSource((1, 0, 0, 0.25), (1, 10, 12, 0.5), (1, 10, 11, 0.4));

        Assert.Equal([0.25, 0.5, null], fixture.Retrieve((1, 5), (1, 15), (1, 21)));
    }

    [Fact]
    public void GetHistoricalFeatures_FullFeatureNames_PrefixesViewAndKeepsValueColumnsAndOrder()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 0, 0, 0.1), (2, 0, 0, 0.2));
        var entities = EntityTable.FromRows(
            ["label", "driver_id", "event_timestamp"],
            [["b", 2L, OfflineFixture.T0], ["a", 1L, OfflineFixture.T0], ["c", 2L, OfflineFixture.T0]]);

        var result = fixture.Store.GetHistoricalFeatures(entities, new HistoricalFeatureRequest(
            fixture.Repository, fixture.Repository.ResolveFeatures(["driver_stats"]), FullFeatureNames: true));

        Assert.Equal(["label", "driver_id", "event_timestamp", "driver_stats__conv_rate"], result.Columns);
        Assert.Equal(["b", "a", "c"], result.Rows.Select(r => (string)r[0]!));
        Assert.Equal([0.2, 0.1, 0.2], result.Rows.Select(r => (double)r[3]!));
    }

    [Fact]
    public void GetHistoricalFeatures_EntityRowsWithoutJoinKey_ThrowsInvalidInputNamingIt()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 0, 0, 0.1));
        var entities = EntityTable.FromRows(["rider_id", "event_timestamp"], [[1L, OfflineFixture.T0]]);

        var ex = Assert.Throws<ModelDockException>(() => fixture.Store.GetHistoricalFeatures(
            entities, new HistoricalFeatureRequest(fixture.Repository, fixture.Repository.ResolveFeatures(["driver_stats"]))));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Contains("'driver_id'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportHistoricalFeatures_ParquetEntityFile_WritesEveryRow()
    {
        using var fixture = new OfflineFixture("0");
        fixture.WriteSource((1, 0, 0, 0.1));
        var entityFile = fixture.Path("entities.parquet");
        TestTables.Write(entityFile, [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP")],
            [[1L, OfflineFixture.T0.AddMinutes(1)], [2L, OfflineFixture.T0]]);
        var output = fixture.Path("out", "train.csv");

        var rows = fixture.Store.ExportHistoricalFeatures(
            EntityTable.FromFile(entityFile),
            new HistoricalFeatureRequest(fixture.Repository, fixture.Repository.ResolveFeatures(["driver_stats:conv_rate"])),
            output);

        Assert.Equal(2, rows);
        var lines = File.ReadAllLines(output);
        Assert.Equal("driver_id,event_timestamp,conv_rate", lines[0]);
        Assert.EndsWith(",0.1", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",", lines[2], StringComparison.Ordinal);
    }
}
