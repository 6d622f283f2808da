namespace ModelDock.Features.Materialization;

/// <summary>Where a materialization is: the view being copied (1-based of <paramref name="ViewCount"/>) and its rows written so far.</summary>
public readonly record struct MaterializationProgress(string View, int ViewNumber, int ViewCount, long RowsWritten, long RowsTotal);
