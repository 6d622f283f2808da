namespace ModelDock.Features.Offline;

/// <summary>Parsed arguments of <c>modeldock features history</c>.</summary>
/// <param name="DataDir">The data folder holding <c>modeldock.db</c> and pushed rows.</param>
/// <param name="EntitiesPath">Parquet or CSV file of entity rows (join keys and <c>event_timestamp</c>).</param>
/// <param name="Service"><c>name</c> or <c>name:version</c>; exclusive with <paramref name="Features"/>.</param>
/// <param name="Features"><c>view:feature</c> or <c>view</c> references, read from the latest applied definitions.</param>
/// <param name="OutputPath">The .parquet or .csv file to write.</param>
internal sealed record FeatureHistoryArguments(
    string DataDir,
    string EntitiesPath,
    string? Service,
    IReadOnlyList<string> Features,
    string OutputPath,
    bool FullFeatureNames = false);
