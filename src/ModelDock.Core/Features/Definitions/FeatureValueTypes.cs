namespace ModelDock.Features.Definitions;

/// <summary>The YAML spelling of <see cref="FeatureValueType"/> and the questions callers ask of a type.</summary>
public static class FeatureValueTypes
{
    private static readonly Dictionary<string, FeatureValueType> ByName = new(StringComparer.Ordinal)
    {
        ["INT32"] = FeatureValueType.Int32,
        ["INT64"] = FeatureValueType.Int64,
        ["FLOAT"] = FeatureValueType.Float,
        ["DOUBLE"] = FeatureValueType.Double,
        ["STRING"] = FeatureValueType.String,
        ["BOOL"] = FeatureValueType.Bool,
        ["UNIX_TIMESTAMP"] = FeatureValueType.UnixTimestamp,
        ["INT32_LIST"] = FeatureValueType.Int32List,
        ["INT64_LIST"] = FeatureValueType.Int64List,
        ["FLOAT_LIST"] = FeatureValueType.FloatList,
        ["DOUBLE_LIST"] = FeatureValueType.DoubleList,
        ["STRING_LIST"] = FeatureValueType.StringList,
        ["BOOL_LIST"] = FeatureValueType.BoolList,
        ["UNIX_TIMESTAMP_LIST"] = FeatureValueType.UnixTimestampList,
    };

    private static readonly Dictionary<FeatureValueType, string> NameOf =
        ByName.ToDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>All spellings accepted in YAML, for error messages.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryParse(string text, out FeatureValueType type) => ByName.TryGetValue(text, out type);

    /// <summary>The YAML spelling, e.g. <c>UNIX_TIMESTAMP</c>.</summary>
    public static string ToYamlName(this FeatureValueType type) => NameOf[type];

    public static bool IsList(this FeatureValueType type) => type >= FeatureValueType.Int32List;

    /// <summary>The element type of a list type; a scalar type is its own element type.</summary>
    public static FeatureValueType ElementType(this FeatureValueType type) =>
        type.IsList() ? (FeatureValueType)(type - FeatureValueType.Int32List) : type;
}
