using System.Globalization;
using DuckDB.NET.Data;
using ModelDock.Features.Offline;

namespace ModelDock.PayloadLog;

/// <summary>Summarises a model's payload files with DuckDB, as an analyst would query them.</summary>
internal static class PayloadQuery
{
    public static PayloadSummary Summarize(string dataDir, string model, DateTimeOffset? since)
    {
        var folder = ParquetPayloadSink.ModelFolder(dataDir, model);
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.parquet", SearchOption.AllDirectories).Length : 0;
        if (files == 0)
        {
            return new PayloadSummary(model, 0, 0, null, null, [], new SortedDictionary<string, long>(), []);
        }

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, "SET TimeZone = 'UTC'");
        var glob = Path.Combine(folder, "**", "*.parquet");
        var filter = since is { } s ? $" WHERE timestamp >= {Sql.Literal(s.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture))}::TIMESTAMP" : string.Empty;
        Execute(connection, $"CREATE VIEW p AS SELECT * FROM read_parquet({Sql.Literal(glob)}, union_by_name = true){filter}");

        long records;
        DateTimeOffset? first = null, last = null;
        var versions = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT count(*), min(timestamp), max(timestamp), list(DISTINCT version ORDER BY version) FILTER (WHERE version IS NOT NULL) FROM p";
            using var reader = command.ExecuteReader();
            reader.Read();
            records = reader.GetInt64(0);
            if (records > 0)
            {
                first = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc));
                last = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc));
                versions.AddRange(reader.GetFieldValue<List<string>>(3));
            }
        }

        var tensors = new List<TensorSummary>();
        var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (records > 0)
        {
            var columns = Columns(connection);
            if (columns.Exists(c => c.Name == "error"))
            {
                CountFailures(connection, failures);
            }

            foreach (var (column, type) in columns)
            {
                if (column.StartsWith(PayloadColumns.InputPrefix, StringComparison.Ordinal))
                {
                    tensors.Add(Summarize(connection, "input", column, column[PayloadColumns.InputPrefix.Length..], type));
                }
                else if (column.StartsWith(PayloadColumns.OutputPrefix, StringComparison.Ordinal))
                {
                    tensors.Add(Summarize(connection, "output", column, column[PayloadColumns.OutputPrefix.Length..], type));
                }
            }
        }

        return new PayloadSummary(model, files, records, first, last, versions, failures, tensors);
    }

    /// <summary>Files written before failed requests were kept have no <c>error</c> column; the caller asks only when one has.</summary>
    private static void CountFailures(DuckDBConnection connection, SortedDictionary<string, long> failures)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT error, count(*) FROM p WHERE error IS NOT NULL GROUP BY error";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            failures[reader.GetString(0)] = reader.GetInt64(1);
        }
    }

    private static List<(string Name, string Type)> Columns(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT column_name, column_type FROM (DESCRIBE p)";
        using var reader = command.ExecuteReader();
        var columns = new List<(string, string)>();
        while (reader.Read())
        {
            columns.Add((reader.GetString(0), reader.GetString(1)));
        }

        return columns;
    }

    private static TensorSummary Summarize(DuckDBConnection connection, string kind, string column, string name, string type)
    {
        var elementType = type.EndsWith("[]", StringComparison.Ordinal) ? type[..^2] : type;
        var numeric = elementType is not ("BLOB" or "VARCHAR");
        var id = Sql.Identifier(column);
        using var command = connection.CreateCommand();
        var value = elementType == "BOOLEAN" ? "v::INTEGER::DOUBLE" : "v::DOUBLE";
        command.CommandText = numeric
            ? $"""
              SELECT
                (SELECT avg(CASE WHEN {id} IS NULL THEN 1.0 ELSE 0.0 END)::DOUBLE FROM p),
                count(v),
                avg({value}) FILTER (WHERE NOT isnan({value})),
                min({value}) FILTER (WHERE NOT isnan({value})),
                max({value}) FILTER (WHERE NOT isnan({value})),
                coalesce(avg(CASE WHEN isnan({value}) THEN 1.0 ELSE 0.0 END)::DOUBLE, 0)
              FROM (SELECT unnest({id}) AS v FROM p)
              """
            : $"""
              SELECT
                (SELECT avg(CASE WHEN {id} IS NULL THEN 1.0 ELSE 0.0 END)::DOUBLE FROM p),
                count(v), NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 0::DOUBLE
              FROM (SELECT unnest({id}) AS v FROM p)
              """;
        using var reader = command.ExecuteReader();
        reader.Read();
        return new TensorSummary(
            kind,
            name,
            elementType,
            reader.GetInt64(1),
            NullableDouble(reader, 2),
            NullableDouble(reader, 3),
            NullableDouble(reader, 4),
            reader.GetDouble(0),
            reader.GetDouble(5));
    }

    private static double? NullableDouble(DuckDBDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
