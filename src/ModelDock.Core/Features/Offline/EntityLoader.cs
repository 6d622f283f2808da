using DuckDB.NET.Data;
using ModelDock.Errors;

namespace ModelDock.Features.Offline;

/// <summary>
/// Puts the entity rows into the temp table <c>__entity</c> with a row number (to restore input order)
/// and the event timestamp as a plain UTC TIMESTAMP (<c>__ts</c>).
/// </summary>
internal static class EntityLoader
{
    public const string Table = "__entity";
    public const string RowColumn = "__row";
    public const string TimestampColumn = "__ts";

    /// <summary>Loads the rows and returns the entity table's own column names.</summary>
    public static IReadOnlyList<string> Load(DuckDBConnection connection, EntityTable entities)
    {
        string input;
        if (entities.Path is { } path)
        {
            input = Sql.ReadFiles([path]);
        }
        else
        {
            LoadRows(connection, entities);
            input = "__entity_input";
        }

        IReadOnlyList<string> columns;
        try
        {
            columns = Describe(connection, input);
        }
        catch (DuckDBException ex)
        {
            throw new ModelDockException(
                ErrorKind.InvalidInput, $"The entity rows cannot be read: {SourceFailure.Summary(ex, entities.Path is { } file ? [file] : [])}", ex);
        }

        if (!columns.Contains(EntityTable.TimestampColumn))
        {
            throw ModelDockException.InvalidInput(
                $"The entity rows have no '{EntityTable.TimestampColumn}' column; columns are: {string.Join(", ", columns)}.");
        }

        try
        {
            Execute(connection, $"""
                CREATE TEMP TABLE {Table} AS
                SELECT *, row_number() OVER () AS {RowColumn},
                       CAST({Sql.Identifier(EntityTable.TimestampColumn)} AS TIMESTAMP) AS {TimestampColumn}
                FROM {input}
                """);
        }
        catch (DuckDBException ex)
        {
            throw new ModelDockException(
                ErrorKind.InvalidInput,
                $"The entity rows' '{EntityTable.TimestampColumn}' column is not a timestamp: {SourceFailure.Summary(ex, entities.Path is { } file ? [file] : [])}",
                ex);
        }

        return columns;
    }

    public static (DateTime? Min, DateTime? Max) TimestampRange(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT min({TimestampColumn}), max({TimestampColumn}) FROM {Table}";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
    }

    public static IReadOnlyList<string> Describe(DuckDBConnection connection, string relation)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"DESCRIBE SELECT * FROM {relation}";
        using var reader = command.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    public static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void LoadRows(DuckDBConnection connection, EntityTable entities)
    {
        var types = entities.Columns.Select((_, i) => ColumnType(entities.Rows, i)).ToArray();
        Execute(connection, $"CREATE TEMP TABLE __entity_input ({string.Join(", ", entities.Columns.Select((c, i) => Sql.Identifier(c) + " " + types[i]))})");
        using var appender = connection.CreateAppender("__entity_input");
        foreach (var values in entities.Rows)
        {
            var row = appender.CreateRow();
            foreach (var value in values)
            {
                _ = value switch
                {
                    null => row.AppendNullValue(),
                    long v => row.AppendValue(v),
                    int v => row.AppendValue(v),
                    string v => row.AppendValue(v),
                    double v => row.AppendValue(v),
                    float v => row.AppendValue(v),
                    bool v => row.AppendValue(v),
                    DateTime v => row.AppendValue(v),
                    _ => throw ModelDockException.InvalidInput($"Entity value '{value}' of type {value.GetType().Name} is not supported."),
                };
            }

            row.EndRow();
        }
    }

    private static string ColumnType(IReadOnlyList<object?[]> rows, int column)
    {
        foreach (var row in rows)
        {
            switch (row[column])
            {
                case null: continue;
                case long: return "BIGINT";
                case int: return "INTEGER";
                case double: return "DOUBLE";
                case float: return "FLOAT";
                case bool: return "BOOLEAN";
                case DateTime: return "TIMESTAMP";
                default: return "VARCHAR";
            }
        }

        return "VARCHAR";
    }
}
