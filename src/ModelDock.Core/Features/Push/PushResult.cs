namespace ModelDock.Features.Push;

/// <summary>What a push did: rows received, online rows written per view, and whether the rows were stored offline.</summary>
public sealed record PushResult(int Rows, IReadOnlyDictionary<string, int> OnlineRowsWritten, bool StoredOffline);
