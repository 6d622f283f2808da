namespace ModelDock.Features.Online;

/// <summary>A named column of values, one per row: a join key of a request's entities, or a column of pushed rows.</summary>
public sealed record ValueColumn(string Name, IReadOnlyList<FeatureValue> Values);
