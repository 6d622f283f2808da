namespace ModelDock.Features.Push;

/// <summary>What a push did: rows received, online rows written per view, and the offline file it appended, if any.</summary>
public sealed record PushResult(int Rows, IReadOnlyDictionary<string, int> OnlineRowsWritten, string? OfflineFile);
