using System.Globalization;
using DuckDB.NET.Data;

namespace ModelDock.Features.Samples;

/// <summary>
/// Writes synthetic, reproducible Parquet files with DuckDB so tests, benchmarks and demos make their own data.
/// Values come from hashing the row number with the seed, so the same arguments give the same file.
/// </summary>
internal static class SampleFeatureData
{
    /// <summary>
    /// A feature source: <paramref name="keyColumn"/> (BIGINT in [firstKey, firstKey + keys)), <c>event_timestamp</c> spread over
    /// <paramref name="span"/> from <paramref name="start"/>, <c>created</c> up to an hour later, and one DOUBLE
    /// column per name in <paramref name="features"/>.
    /// </summary>
    public static void WriteSource(
        string path, long rows, long keys, string keyColumn, IReadOnlyList<string> features, DateTime start, TimeSpan span, int seed, long firstKey = 0)
    {
        var spanSeconds = Math.Max(1, (long)span.TotalSeconds);
        var featureColumns = features.Select((name, i) =>
            $", CAST(hash(i, {seed + 10 + i}) % 1000000 AS DOUBLE) / 1000000 AS \"{name}\"");
        Copy(path, $"""
            SELECT CAST(hash(i, {seed}) % {keys} + {firstKey} AS BIGINT) AS "{keyColumn}",
                   {Timestamp(start)} + to_seconds(CAST(hash(i, {seed + 1}) % {spanSeconds} AS BIGINT)) AS event_timestamp,
                   event_timestamp + to_seconds(CAST(hash(i, {seed + 2}) % 3600 AS BIGINT)) AS created
                   {string.Concat(featureColumns)}
            FROM range({rows}) t(i)
            """);
    }

    /// <summary>Entity rows: one BIGINT column per key name (each in [0, keys)) and <c>event_timestamp</c>.</summary>
    public static void WriteEntityRows(
        string path, long rows, IReadOnlyList<string> keyColumns, long keys, DateTime start, TimeSpan span, int seed)
    {
        var spanSeconds = Math.Max(1, (long)span.TotalSeconds);
        var keySelects = keyColumns.Select((name, i) => $"CAST(hash(i, {seed + 20 + i}) % {keys} AS BIGINT) AS \"{name}\", ");
        Copy(path, $"""
            SELECT {string.Concat(keySelects)}
                   {Timestamp(start)} + to_seconds(CAST(hash(i, {seed + 3}) % {spanSeconds} AS BIGINT)) AS event_timestamp
            FROM range({rows}) t(i)
            """);
    }

    private static string Timestamp(DateTime value) =>
        "TIMESTAMP '" + value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "'";

    private static void Copy(string path, string query)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY ({query}) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT PARQUET)";
        command.ExecuteNonQuery();
    }
}
