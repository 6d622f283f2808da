using ModelDock.Features.Definitions;

namespace ModelDock.Features.Registry;

/// <summary>A stored version of a feature view together with the entities and source it was applied with.</summary>
public sealed record VersionedFeatureView(FeatureView View, int Version, IReadOnlyList<Entity> Entities, DataSource Source);
