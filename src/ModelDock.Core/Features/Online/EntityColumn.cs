namespace ModelDock.Features.Online;

/// <summary>One join key of a request and its value for every entity row (Feast's column-oriented entities).</summary>
public sealed record EntityColumn(string JoinKey, IReadOnlyList<FeatureValue> Values);
