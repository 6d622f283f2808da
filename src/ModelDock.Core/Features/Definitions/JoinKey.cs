namespace ModelDock.Features.Definitions;

/// <summary>A column that identifies an entity in sources and in requests.</summary>
/// <param name="Name">Column name, e.g. <c>driver_id</c>.</param>
/// <param name="ValueType"><see cref="FeatureValueType.Int64"/> or <see cref="FeatureValueType.String"/>.</param>
public sealed record JoinKey(string Name, FeatureValueType ValueType);
