using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Testing.Features;

namespace ModelDock.Core.Tests.Features;

/// <summary>A repository with one view over a Parquet source whose rows each test states.</summary>
internal sealed class OfflineFixture : IDisposable
{
    public static readonly DateTime T0 = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    private static readonly (string, string)[] SourceColumns =
        [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP"), ("created", "TIMESTAMP"), ("conv_rate", "DOUBLE")];

    private readonly TempFolder _folder = new();

    public OfflineFixture(string ttl, string sourceFile = "data/stats.parquet")
    {
        SourceFile = sourceFile;
        _folder.Write("repo/repo.yaml", $"""
            entities:
              - name: driver
                join_keys: [driver_id]
                value_type: INT64
            sources:
              - name: stats
                path: {sourceFile}
                timestamp_field: event_timestamp
                created_timestamp_column: created
            feature_views:
              - name: driver_stats
                entities: [driver]
                ttl: {ttl}
                source: stats
                schema:
                  - name: conv_rate
                    dtype: DOUBLE
            """);
        Repository = FeatureRepositoryLoader.Load(_folder.Combine("repo")).GetRepositoryOrThrow();
        Store = new OfflineStore(_folder.Combine("data"));
    }

    public string SourceFile { get; }

    public FeatureRepository Repository { get; }

    public OfflineStore Store { get; }

    public string DataDir => _folder.Combine("data");

    public string Path(params string[] parts) => _folder.Combine(parts);

    /// <summary>Writes source rows: (driver, event minutes after T0, created minutes after T0, value).</summary>
    public void WriteSource(params (long Driver, double EventMinutes, double CreatedMinutes, double Value)[] rows) =>
        TestTables.Write(_folder.Combine("repo", SourceFile), SourceColumns, rows.Select(Row));

    public void WritePushed(string file, params (long Driver, double EventMinutes, double CreatedMinutes, double Value)[] rows) =>
        TestTables.Write(System.IO.Path.Combine(Store.GetPushedFolder("stats"), file), SourceColumns, rows.Select(Row));

    /// <summary>The conv_rate joined onto each (driver, minutes after T0) entity row.</summary>
    public double?[] Retrieve(params (long Driver, double Minutes)[] entities)
    {
        var table = EntityTable.FromRows(
            ["driver_id", "event_timestamp"],
            entities.Select(e => new object?[] { e.Driver, At(e.Minutes) }).ToArray());
        var result = Store.GetHistoricalFeatures(
            table, new HistoricalFeatureRequest(Repository, Repository.ResolveFeatures(["driver_stats:conv_rate"])));
        var column = result.ColumnIndex("conv_rate");
        return result.Rows.Select(r => (double?)r[column]).ToArray();
    }

    /// <summary>T0 plus the minutes, exact to the tick (DateTime.AddMinutes is not).</summary>
    public static DateTime At(double minutes) => T0.AddTicks((long)Math.Round(minutes * TimeSpan.TicksPerMinute));

    public void Dispose() => _folder.Dispose();

    private static object?[] Row((long Driver, double EventMinutes, double CreatedMinutes, double Value) row) =>
        [row.Driver, At(row.EventMinutes), At(row.CreatedMinutes), row.Value];
}
