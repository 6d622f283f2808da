namespace ModelDock.Features.Online;

/// <summary>
/// One entity's values for one feature view, aligned with the feature names of the write. The event
/// timestamp decides which write wins; the created timestamp breaks ties (absent counts as oldest).
/// </summary>
public readonly record struct OnlineWriteRow(
    EntityKey Key,
    FeatureValue[] Values,
    DateTimeOffset EventTimestamp,
    DateTimeOffset? CreatedTimestamp = null);
