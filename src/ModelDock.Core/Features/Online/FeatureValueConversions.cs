using System.Globalization;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Online;

/// <summary>Fits loosely typed input (JSON numbers, strings) to a declared <see cref="FeatureValueType"/>.</summary>
internal static class FeatureValueConversions
{
    /// <summary>
    /// Converts <paramref name="value"/> to <paramref name="type"/> when no information is lost: integers widen
    /// to wider integers and to floating point, INT64 narrows to INT32 only in range, an ISO 8601 string becomes
    /// a timestamp. Null stays null. List types are not held online.
    /// </summary>
    public static bool TryCoerce(FeatureValue value, FeatureValueType type, out FeatureValue coerced)
    {
        coerced = value;
        if (value.IsNull)
        {
            return true;
        }

        switch (type, value.Kind)
        {
            case (FeatureValueType.Int32, FeatureValueKind.Int32):
            case (FeatureValueType.Int64, FeatureValueKind.Int64):
            case (FeatureValueType.Float, FeatureValueKind.Float):
            case (FeatureValueType.Double, FeatureValueKind.Double):
            case (FeatureValueType.String, FeatureValueKind.String):
            case (FeatureValueType.Bool, FeatureValueKind.Bool):
            case (FeatureValueType.UnixTimestamp, FeatureValueKind.Timestamp):
                return true;
            case (FeatureValueType.Int32, FeatureValueKind.Int64) when value.AsInt64() is >= int.MinValue and <= int.MaxValue:
                coerced = FeatureValue.FromInt32((int)value.AsInt64());
                return true;
            case (FeatureValueType.Int64, FeatureValueKind.Int32):
                coerced = FeatureValue.FromInt64(value.AsInt32());
                return true;
            case (FeatureValueType.Float, FeatureValueKind.Int32 or FeatureValueKind.Int64 or FeatureValueKind.Double):
                coerced = FeatureValue.FromFloat((float)ToDouble(value));
                return true;
            case (FeatureValueType.Double, FeatureValueKind.Int32 or FeatureValueKind.Int64 or FeatureValueKind.Float):
                coerced = FeatureValue.FromDouble(ToDouble(value));
                return true;
            case (FeatureValueType.UnixTimestamp, FeatureValueKind.String)
                when DateTimeOffset.TryParse(value.AsString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed):
                coerced = FeatureValue.FromTimestamp(parsed);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The value as the caller wrote it, for error messages: strings quoted, the kind named.</summary>
    public static string Describe(FeatureValue value) =>
        value.Kind == FeatureValueKind.String ? $"STRING \"{value.AsString()}\"" : $"{value.Kind.ToString().ToUpperInvariant()} {value}";

    private static double ToDouble(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Int32 => value.AsInt32(),
        FeatureValueKind.Int64 => value.AsInt64(),
        FeatureValueKind.Float => value.AsFloat(),
        _ => value.AsDouble(),
    };
}
