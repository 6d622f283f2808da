using Microsoft.Data.Sqlite;
using ModelDock.Features.Registry;

namespace ModelDock.Features.Materialization;

/// <summary>
/// Per view, the end of the last completed materialization, in the metadata database; the next incremental
/// run starts there. A view's watermark moves only after all its rows are written, so an interrupted run
/// is simply repeated.
/// </summary>
internal sealed class MaterializationWatermarks(string dataDir)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDir, FeatureRegistry.DatabaseFileName),
        Pooling = false,
    }.ToString();

    public DateTimeOffset? Get(string view)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT end_ticks FROM feature_materialization_watermarks WHERE view = $view";
        command.Parameters.AddWithValue("$view", view);
        return command.ExecuteScalar() is long ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>Moves the watermark forward to <paramref name="end"/>; never backwards, so a backfill of an old interval keeps it.</summary>
    public void Advance(string view, DateTimeOffset end, DateTimeOffset now)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO feature_materialization_watermarks (view, end_ticks, updated_ticks) VALUES ($view, $end, $now)
            ON CONFLICT (view) DO UPDATE SET end_ticks = max(end_ticks, excluded.end_ticks), updated_ticks = excluded.updated_ticks
            """;
        command.Parameters.AddWithValue("$view", view);
        command.Parameters.AddWithValue("$end", end.UtcTicks);
        command.Parameters.AddWithValue("$now", now.UtcTicks);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        Directory.CreateDirectory(dataDir);
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA busy_timeout = 5000;
            CREATE TABLE IF NOT EXISTS feature_materialization_watermarks (
                view TEXT PRIMARY KEY, end_ticks INTEGER NOT NULL, updated_ticks INTEGER NOT NULL);
            """;
        command.ExecuteNonQuery();
        return connection;
    }
}
