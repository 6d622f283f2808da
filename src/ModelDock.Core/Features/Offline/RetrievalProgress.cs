namespace ModelDock.Features.Offline;

/// <summary>How far a historical retrieval has come.</summary>
/// <param name="Stage">What runs now, e.g. <c>joining driver_stats</c>.</param>
/// <param name="Completed">Stages done.</param>
/// <param name="Total">All stages.</param>
internal readonly record struct RetrievalProgress(string Stage, int Completed, int Total);
