using DuckDB.NET.Data;
using DuckDB.NET.Native;
using ModelDock.Errors;

namespace ModelDock.Features.Offline;

/// <summary>
/// Turns a DuckDB failure of historical retrieval into an error that says whose fault it is: the user's data
/// (a file that does not parse, a value that does not convert to the declared type), named down to the source,
/// column and value, as <see cref="ErrorKind.InvalidInput"/>; or ModelDock's own SQL or DuckDB itself, as
/// <see cref="ErrorKind.Internal"/> asking for a report. Messages keep DuckDB's first paragraph only: the rest is
/// hints about read_csv options users cannot set here, or DuckDB's native stack trace.
/// </summary>
internal static class SourceFailure
{
    /// <summary>
    /// Errors the bytes of a file can cause, by the type DuckDB names at the start of its message; any other
    /// (Binder, Catalog, Parser, INTERNAL, ...) means the SQL ModelDock generated or DuckDB itself is at fault.
    /// The message decides, not <see cref="DuckDBException.ErrorType"/>: DuckDB.NET reports an INTERNAL error
    /// raised while preparing a statement as <see cref="DuckDBErrorType.Invalid"/>.
    /// </summary>
    private static readonly string[] DataErrorPrefixes =
        ["Conversion Error:", "Invalid Input Error:", "IO Error:", "Out of Range Error:", "Permission Error:", "Mismatch Type Error:", "Decimal Error:"];

    /// <summary>Explains a failure reading <paramref name="relations"/>; looks for the offending value only now, so success pays nothing.</summary>
    public static ModelDockException Explain(
        DuckDBConnection connection,
        DuckDBException error,
        string source,
        string view,
        IReadOnlyList<SourceRelation> relations,
        IReadOnlyList<SourceColumn> columns)
    {
        if (IsDataError(error))
        {
            foreach (var relation in relations)
            {
                if (FindDataError(connection, relation, columns) is { } problem)
                {
                    return ModelDockException.InvalidInput($"Source '{source}' of feature view '{view}', {relation.Description}: {problem}");
                }
            }

            var where = relations.Count == 1 ? $", {relations[0].Description}" : string.Empty;
            var files = relations.SelectMany(r => r.Files).ToArray();
            return ModelDockException.InvalidInput($"Source '{source}' of feature view '{view}'{where}: cannot be read: {Summary(error, files)}");
        }

        return Internal($"Reading source '{source}' for feature view '{view}'", error, relations.SelectMany(r => r.Files).ToArray());
    }

    /// <summary>A failure that no input explains: DuckDB's own fault or SQL ModelDock got wrong.</summary>
    public static ModelDockException Internal(string what, DuckDBException error, IReadOnlyList<string> files) =>
        new(
            ErrorKind.Internal,
            $"{what} failed with an internal error of ModelDock's query engine (DuckDB), not because of your data: " +
            $"{Summary(error, files)} Please report this as a ModelDock bug, with this message and the versions in use.",
            error);

    /// <summary>DuckDB's first paragraph on one line, with full paths shortened to file names.</summary>
    public static string Summary(DuckDBException error, IReadOnlyList<string> files)
    {
        var lines = error.Message.ReplaceLineEndings("\n").Split('\n')
            .TakeWhile(line => line.Length > 0)
            .Select(line => line.Trim());
        var text = string.Join(" ", lines);
        foreach (var file in files)
        {
            text = text.Replace(file, Path.GetFileName(file), StringComparison.Ordinal);
        }

        return text.EndsWith('.') ? text : text + ".";
    }

    /// <summary>Whether the error can come from a file's content (or its absence or permissions) rather than from ModelDock.</summary>
    public static bool IsDataError(DuckDBException error) =>
        DataErrorPrefixes.Any(prefix => error.Message.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>
    /// The first column holding a value that does not convert to its declared type, or the file's parse error;
    /// null when the relation reads cleanly.
    /// </summary>
    private static string? FindDataError(DuckDBConnection connection, SourceRelation relation, IReadOnlyList<SourceColumn> columns)
    {
        foreach (var column in columns)
        {
            var name = Sql.Identifier(column.Name);
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT CAST({name} AS VARCHAR), typeof({name}) FROM {relation.Sql}
                WHERE {name} IS NOT NULL AND TRY_CAST({name} AS {column.Type}) IS NULL LIMIT 1
                """;
            try
            {
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    return $"column '{column.Name}' ({reader.GetString(1)}) holds '{reader.GetString(0)}', which is not a {column.Type} " +
                        $"as {column.DeclaredBy} declares.";
                }
            }
            catch (DuckDBException e)
            {
                // Reading the column alone fails too: the file itself is at fault, or (any other kind) the caller's
                // explanation of the original error stands.
                return IsDataError(e) ? $"cannot be read: {Summary(e, relation.Files)}" : null;
            }
        }

        return null;
    }
}
