using DuckDB.NET.Data;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;

namespace ModelDock.Features.Push;

/// <summary>
/// Writes typed columns to a Parquet file through DuckDB, appearing under its final name only when complete and on
/// disk, so the write-ahead data it replaces may be deleted after it.
/// </summary>
internal static class ParquetRowWriter
{
    public static void Write(string path, IReadOnlyList<(string Name, FeatureValueType Type, FeatureValue[] Values)> columns, int rows)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);

        // Readers glob *.parquet, so the half-written file carries another extension until it is renamed.
        var partial = path + ".partial";

        // Left by a process killed while writing it; never read, replaced here.
        File.Delete(partial);
        using (var connection = new DuckDBConnection("DataSource=:memory:"))
        {
            connection.Open();
            Execute(connection, "SET TimeZone = 'UTC'");
            Execute(connection, "CREATE TABLE pushed (" + string.Join(", ", columns.Select(c => $"{Sql.Identifier(c.Name)} {Sql.TypeName(c.Type)}")) + ")");
            using (var appender = connection.CreateAppender("pushed"))
            {
                for (var r = 0; r < rows; r++)
                {
                    var row = appender.CreateRow();
                    foreach (var (_, _, values) in columns)
                    {
                        Append(row, values[r]);
                    }

                    row.EndRow();
                }
            }

            Execute(connection, $"COPY pushed TO {Sql.Literal(partial)} (FORMAT PARQUET)");
        }

        using (var written = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            written.Flush(flushToDisk: true);
        }

        File.Move(partial, path, overwrite: false);
    }

    private static void Append(IDuckDBAppenderRow row, FeatureValue value)
    {
        switch (value.Kind)
        {
            case FeatureValueKind.Null:
                row.AppendNullValue();
                break;
            case FeatureValueKind.Int32:
                row.AppendValue(value.AsInt32());
                break;
            case FeatureValueKind.Int64:
                row.AppendValue(value.AsInt64());
                break;
            case FeatureValueKind.Float:
                row.AppendValue(value.AsFloat());
                break;
            case FeatureValueKind.Double:
                row.AppendValue(value.AsDouble());
                break;
            case FeatureValueKind.Bool:
                row.AppendValue(value.AsBool());
                break;
            case FeatureValueKind.String:
                row.AppendValue(value.AsString());
                break;
            default:
                row.AppendValue(value.AsTimestamp().UtcDateTime);
                break;
        }
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
