namespace ModelDock.Features.Definitions;

/// <summary>File formats a <see cref="DataSource"/> can point at, decided by the file extension.</summary>
public enum DataSourceFormat
{
    Parquet,
    Csv,
}
