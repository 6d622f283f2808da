namespace ModelDock.Features.Definitions;

/// <summary>A time-stamped Parquet or CSV file that feature views read.</summary>
/// <param name="Name">Unique source name; pushed rows land under <c>offline/pushed/&lt;Name&gt;/</c>.</param>
/// <param name="Path">File path as written in the repository, relative to the repository folder.</param>
/// <param name="TimestampField">Column holding each row's event timestamp.</param>
/// <param name="CreatedTimestampColumn">Optional column that breaks ties between rows with the same event timestamp.</param>
public sealed record DataSource(string Name, string Path, string TimestampField, string? CreatedTimestampColumn)
{
    public DataSourceFormat Format =>
        System.IO.Path.GetExtension(Path).Equals(".csv", StringComparison.OrdinalIgnoreCase)
            ? DataSourceFormat.Csv
            : DataSourceFormat.Parquet;
}
