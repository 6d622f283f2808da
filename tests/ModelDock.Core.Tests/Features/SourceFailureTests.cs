using DuckDB.NET.Data;
using ModelDock.Errors;
using ModelDock.Features.Offline;
using Xunit;

namespace ModelDock.Core.Tests.Features;

/// <summary>
/// A failed source read says whose fault it is: the user's data (named down to source, file, column and value)
/// or ModelDock's (an internal error to report), in one line without DuckDB's native stack trace or server paths.
/// </summary>
public sealed class SourceFailureTests
{
    [Fact]
    public void GetHistoricalFeatures_CsvValueNotADouble_NamesSourceFileColumnValueAndType()
    {
        using var fixture = new OfflineFixture("1h", "data/stats.csv");
        TestTables.Write(fixture.Path("repo", "data", "stats.csv"),
            [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP"), ("created", "TIMESTAMP"), ("conv_rate", "VARCHAR")],
            [[1L, OfflineFixture.T0, OfflineFixture.T0, "0.5"], [2L, OfflineFixture.T0, OfflineFixture.T0, "n/a"]]);

        var ex = Assert.Throws<ModelDockException>(() => fixture.Retrieve((1, 5)));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Equal(
            "Source 'stats' of feature view 'driver_stats', file 'data/stats.csv': column 'conv_rate' (VARCHAR) holds 'n/a', " +
            "which is not a DOUBLE as feature 'conv_rate' of feature view 'driver_stats' declares.",
            ex.Message);
    }

    [Fact]
    public void GetHistoricalFeatures_TimestampColumnNotATimestamp_NamesColumnAndTimestampField()
    {
        using var fixture = new OfflineFixture("0");
        TestTables.Write(fixture.Path("repo", "data", "stats.parquet"),
            [("driver_id", "BIGINT"), ("event_timestamp", "VARCHAR"), ("created", "TIMESTAMP"), ("conv_rate", "DOUBLE")],
            [[1L, "2026-03-01 12:00:00", OfflineFixture.T0, 0.5], [1L, "yesterday", OfflineFixture.T0, 0.7]]);

        var ex = Assert.Throws<ModelDockException>(() => fixture.Retrieve((1, 5)));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Contains("column 'event_timestamp' (VARCHAR) holds 'yesterday', which is not a TIMESTAMP", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the timestamp_field of source 'stats'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetHistoricalFeatures_MissingColumn_NamesFileColumnAndWhatNeedsIt()
    {
        using var fixture = new OfflineFixture("1h", "data/stats.csv");
        TestTables.Write(fixture.Path("repo", "data", "stats.csv"),
            [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP"), ("conv_rate", "DOUBLE")],
            [[1L, OfflineFixture.T0, 0.5]]);

        var ex = Assert.Throws<ModelDockException>(() => fixture.Retrieve((1, 5)));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Equal(
            "Source 'stats' of feature view 'driver_stats', file 'data/stats.csv': has no column 'created', which the " +
            "created_timestamp_column of source 'stats' needs; columns are: driver_id, event_timestamp, conv_rate.",
            ex.Message);
    }

    [Fact]
    public void GetHistoricalFeatures_PushedFileNotParquet_SaysItCannotBeReadWithoutServerPaths()
    {
        using var fixture = new OfflineFixture("1h");
        fixture.WriteSource((1, 0, 0, 0.5));
        var pushed = fixture.Store.GetPushedFolder("stats");
        Directory.CreateDirectory(pushed);
        File.WriteAllText(Path.Combine(pushed, "0001.parquet"), "driver_id,event_timestamp\n1,2026-03-01\n");

        var ex = Assert.Throws<ModelDockException>(() => fixture.Retrieve((1, 5)));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.StartsWith("Source 'stats' of feature view 'driver_stats', rows pushed to it (1 file): cannot be read: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'0001.parquet'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.DataDir, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetHistoricalFeatures_SourceFileMissing_NamesThePathAsWritten()
    {
        using var fixture = new OfflineFixture("0");

        var ex = Assert.Throws<ModelDockException>(() => fixture.Retrieve((1, 5)));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Equal("Source 'stats' of feature view 'driver_stats' points at 'data/stats.parquet', which does not exist.", ex.Message);
    }

    /// <summary>
    /// A genuine DuckDB internal error: the query this store ran before it disabled top_n_window_elimination. When a
    /// DuckDB upgrade fixes the optimizer, this test fails and needs another internal error (and the workaround can go).
    /// </summary>
    [Fact]
    public void Explain_DuckDbInternalError_IsInternalAskingForAReportInOneLine()
    {
        using var fixture = new OfflineFixture("1h", "data/stats.csv");
        fixture.WriteSource((1, 0, 0, 0.25), (1, 10, 12, 0.5));
        var file = fixture.Path("repo", "data", "stats.csv");
        var relation = SourceRelation.SourceFile(fixture.Repository.GetSource("stats"), file);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        var internalError = Assert.Throws<DuckDBException>(() => EntityLoader.Execute(connection, $"""
            SELECT * FROM (SELECT CAST(driver_id AS BIGINT) AS driver_id, CAST(event_timestamp AS TIMESTAMP) AS __ts,
                                  CAST(created AS TIMESTAMP) AS __created, CAST(conv_rate AS DOUBLE) AS __f0 FROM {relation.Sql})
            WHERE __ts <= TIMESTAMP '2026-03-01 12:21:00' AND __ts >= TIMESTAMP '2026-03-01 12:05:00'
            QUALIFY row_number() OVER (PARTITION BY driver_id, __ts ORDER BY __created DESC NULLS LAST) = 1
            """));

        var ex = SourceFailure.Explain(connection, internalError, "stats", "driver_stats", [relation], []);

        Assert.StartsWith("INTERNAL Error:", internalError.Message, StringComparison.Ordinal);
        Assert.Contains("Stack Trace", internalError.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Internal, ex.Kind);
        Assert.StartsWith(
            "Reading source 'stats' for feature view 'driver_stats' failed with an internal error of ModelDock's query engine (DuckDB), " +
            "not because of your data: INTERNAL Error: Failed to cast expression to type - expression type mismatch.",
            ex.Message,
            StringComparison.Ordinal);
        Assert.Contains("Please report this as a ModelDock bug", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Stack Trace", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        Assert.Same(internalError, ex.InnerException);
    }
}
