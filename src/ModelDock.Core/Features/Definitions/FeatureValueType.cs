namespace ModelDock.Features.Definitions;

/// <summary>
/// Value types of join keys and features, spelled in YAML as Feast spells them (<c>INT64</c>,
/// <c>FLOAT_LIST</c>, ...). Not called <c>ValueType</c> because that name collides with
/// <see cref="System.ValueType"/> in every file that imports both namespaces.
/// </summary>
public enum FeatureValueType
{
    Int32,
    Int64,
    Float,
    Double,
    String,
    Bool,
    UnixTimestamp,
    Int32List,
    Int64List,
    FloatList,
    DoubleList,
    StringList,
    BoolList,
    UnixTimestampList,
}
