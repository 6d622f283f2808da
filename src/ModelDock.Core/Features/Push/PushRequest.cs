using ModelDock.Features.Online;

namespace ModelDock.Features.Push;

/// <summary>
/// Rows pushed to a source (every feature view reading it receives them) or to one feature view, given
/// column by column with the source's column names: join keys, the timestamp field and features.
/// </summary>
/// <param name="SourceName">The source to push to; null when <paramref name="FeatureView"/> is given.</param>
public sealed record PushRequest(string? SourceName, string? FeatureView, IReadOnlyList<ValueColumn> Columns, PushTarget To);
