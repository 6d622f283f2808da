namespace ModelDock.Features.Materialization;

/// <summary>What one view's materialization covered: the interval read and the latest rows copied (one per entity key).</summary>
public sealed record MaterializedView(string View, DateTimeOffset Start, DateTimeOffset End, long Rows);
