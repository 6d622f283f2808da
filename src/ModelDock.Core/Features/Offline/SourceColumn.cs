namespace ModelDock.Features.Offline;

/// <summary>A column a feature view needs from its source and the DuckDB type its definition declares.</summary>
/// <param name="Name">The column in the source.</param>
/// <param name="Type">DuckDB type the column is cast to, e.g. <c>DOUBLE</c>.</param>
/// <param name="DeclaredBy">What declares the type, for messages, e.g. <c>feature 'conv_rate' of feature view 'driver_stats'</c>.</param>
internal sealed record SourceColumn(string Name, string Type, string DeclaredBy);
