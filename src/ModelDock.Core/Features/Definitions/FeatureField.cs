namespace ModelDock.Features.Definitions;

/// <summary>One feature of a feature view: a column of the view's source.</summary>
public sealed record FeatureField(string Name, FeatureValueType Dtype);
