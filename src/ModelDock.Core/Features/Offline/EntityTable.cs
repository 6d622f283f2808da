using ModelDock.Errors;

namespace ModelDock.Features.Offline;

/// <summary>
/// The rows to enrich: join key columns, an <c>event_timestamp</c> column and any other columns (labels),
/// which are passed through. Either a Parquet/CSV file or rows held in memory.
/// </summary>
internal sealed class EntityTable
{
    public const string TimestampColumn = "event_timestamp";

    private EntityTable(string? path, IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        Path = path;
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The file to read; null for an in-memory table.</summary>
    public string? Path { get; }

    /// <summary>Column names of an in-memory table.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows of an in-memory table; values are long, int, string, double, bool, DateTime or null.</summary>
    public IReadOnlyList<object?[]> Rows { get; }

    public static EntityTable FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw ModelDockException.InvalidInput($"Entity file '{path}' does not exist.");
        }

        if (System.IO.Path.GetExtension(path).ToUpperInvariant() is not (".PARQUET" or ".CSV"))
        {
            throw ModelDockException.InvalidInput($"Entity file '{path}' must be a .parquet or .csv file.");
        }

        return new EntityTable(path, [], []);
    }

    public static EntityTable FromRows(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        if (!columns.Contains(TimestampColumn))
        {
            throw ModelDockException.InvalidInput($"The entity rows have no '{TimestampColumn}' column.");
        }

        foreach (var row in rows)
        {
            if (row.Length != columns.Count)
            {
                throw ModelDockException.InvalidInput($"An entity row has {row.Length} values for {columns.Count} columns.");
            }
        }

        return new EntityTable(null, columns, rows);
    }
}
