using DuckDB.NET.Data;

namespace ModelDock.Core.Tests.Features;

/// <summary>Writes rows given in C# to Parquet or CSV through DuckDB, so tests state their data inline.</summary>
internal static class TestTables
{
    /// <param name="columns">Name and DuckDB type of each column, e.g. ("driver_id", "BIGINT").</param>
    public static void Write(string path, IReadOnlyList<(string Name, string Type)> columns, IEnumerable<object?[]> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, $"CREATE TABLE t ({string.Join(", ", columns.Select(c => $"\"{c.Name}\" {c.Type}"))})");
        using (var appender = connection.CreateAppender("t"))
        {
            foreach (var values in rows)
            {
                var row = appender.CreateRow();
                foreach (var value in values)
                {
                    _ = value switch
                    {
                        null => row.AppendNullValue(),
                        long v => row.AppendValue(v),
                        double v => row.AppendValue(v),
                        string v => row.AppendValue(v),
                        DateTime v => row.AppendValue(v),
                        _ => throw new ArgumentException($"Unsupported test value {value}."),
                    };
                }

                row.EndRow();
            }
        }

        var format = path.EndsWith(".csv", StringComparison.Ordinal) ? "CSV, HEADER true" : "PARQUET";
        Execute(connection, $"COPY t TO '{path}' (FORMAT {format})");
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
