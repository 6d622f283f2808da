using ModelDock.Features.Definitions;

namespace ModelDock.Features.Offline;

/// <summary>One relation a feature view reads: the source's own file, or the Parquet files pushed to the source.</summary>
/// <param name="Sql">The DuckDB table function that reads the files.</param>
/// <param name="Description">How messages name it, e.g. <c>file 'data/stats.csv'</c>, without server paths.</param>
/// <param name="Files">Full paths of the files, which messages replace by their names.</param>
internal sealed record SourceRelation(string Sql, string Description, IReadOnlyList<string> Files)
{
    public static SourceRelation SourceFile(DataSource source, string fullPath) =>
        new(Offline.Sql.ReadFiles([fullPath]), $"file '{source.Path}'", [fullPath]);

    public static SourceRelation Pushed(IReadOnlyList<string> fullPaths) =>
        new(Offline.Sql.ReadFiles(fullPaths), $"rows pushed to it ({fullPaths.Count} {(fullPaths.Count == 1 ? "file" : "files")})", fullPaths);
}
