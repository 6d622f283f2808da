namespace ModelDock.Features.Registry;

/// <summary>What an apply did to one object.</summary>
public enum FeatureChangeKind
{
    /// <summary>A new object, version 1 (or the next version when it was removed before).</summary>
    Added,

    /// <summary>A new version that existing consumers can still read (e.g. an added feature, a new ttl).</summary>
    Changed,

    /// <summary>A new version that breaks consumers: a removed feature, a changed dtype, changed entities or join keys.</summary>
    Breaking,

    /// <summary>No longer in the repository; its versions stay readable.</summary>
    Removed,
}
