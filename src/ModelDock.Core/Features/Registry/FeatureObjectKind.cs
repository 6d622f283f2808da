namespace ModelDock.Features.Registry;

/// <summary>Kinds of objects the registry versions.</summary>
public enum FeatureObjectKind
{
    Entity,
    Source,
    FeatureView,
    FeatureService,
}
