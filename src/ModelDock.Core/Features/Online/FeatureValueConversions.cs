using System.Globalization;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Online;

/// <summary>Fits loosely typed input (JSON numbers, strings) to a declared <see cref="FeatureValueType"/>.</summary>
internal static class FeatureValueConversions
{
    /// <summary>The epoch seconds a timestamp may be: those of 0001-01-01 to 9999-12-31T23:59:59 UTC, as .NET and Parquet hold them.</summary>
    public static readonly long MinEpochSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();

    /// <inheritdoc cref="MinEpochSeconds"/>
    public static readonly long MaxEpochSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>
    /// Converts <paramref name="value"/> to <paramref name="type"/> when no information is lost: integers widen
    /// to wider integers and to floating point, INT64 narrows to INT32 only in range, an ISO 8601 string or a
    /// number of epoch seconds (integer or fractional, within <see cref="MinEpochSeconds"/> and
    /// <see cref="MaxEpochSeconds"/>) becomes a timestamp. Null stays null. List types are not held online.
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
            case (FeatureValueType.UnixTimestamp, FeatureValueKind.Int32 or FeatureValueKind.Int64 or FeatureValueKind.Float or FeatureValueKind.Double)
                when TryFromEpochSeconds(value, out var timestamp):
                coerced = FeatureValue.FromTimestamp(timestamp);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The value as the caller wrote it, for error messages: strings quoted, the kind named.</summary>
    public static string Describe(FeatureValue value) =>
        value.Kind == FeatureValueKind.String ? $"STRING \"{value.AsString()}\"" : $"{value.Kind.ToString().ToUpperInvariant()} {value}";

    private static bool TryFromEpochSeconds(FeatureValue value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (value.Kind is FeatureValueKind.Int32 or FeatureValueKind.Int64)
        {
            var whole = value.Kind == FeatureValueKind.Int32 ? value.AsInt32() : value.AsInt64();
            if (whole < MinEpochSeconds || whole > MaxEpochSeconds)
            {
                return false;
            }

            timestamp = DateTimeOffset.FromUnixTimeSeconds(whole);
            return true;
        }

        // Bounded first so the tick count fits a long (this also excludes NaN), then checked exactly; rounded to whole ticks.
        var seconds = ToDouble(value);
        if (!(Math.Abs(seconds) <= 1e12))
        {
            return false;
        }

        var ticks = DateTimeOffset.UnixEpoch.UtcTicks + (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        timestamp = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static double ToDouble(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Int32 => value.AsInt32(),
        FeatureValueKind.Int64 => value.AsInt64(),
        FeatureValueKind.Float => value.AsFloat(),
        _ => value.AsDouble(),
    };
}
