namespace ModelDock.Features.Online;

/// <summary>
/// One stored row decoded once: its event time, the names of its features (shared with every row written
/// with the same names) and their values in stored order. Immutable, so a read result and the row cache can
/// hand the same instance to any number of requests.
/// </summary>
internal sealed class OnlineRow(long eventTicks, RowLayout layout, FeatureValue[] values)
{
    public long EventTicks { get; } = eventTicks;

    public RowLayout Layout { get; } = layout;

    public FeatureValue[] Values { get; } = values;
}
