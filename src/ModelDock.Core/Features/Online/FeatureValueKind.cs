namespace ModelDock.Features.Online;

/// <summary>The types a feature value can have online. <see cref="Null"/> is 0 so a default value is null.</summary>
public enum FeatureValueKind : byte
{
    Null = 0,
    Int32 = 1,
    Int64 = 2,
    Float = 3,
    Double = 4,
    String = 5,
    Bool = 6,
    Timestamp = 7,
}
