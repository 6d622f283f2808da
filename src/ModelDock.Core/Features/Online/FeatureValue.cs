using System.Globalization;

namespace ModelDock.Features.Online;

/// <summary>
/// One typed feature value. Numbers, booleans and timestamps share one 64-bit slot and strings a
/// reference, so values travel through the read path in arrays of structs without boxing.
/// </summary>
public readonly struct FeatureValue : IEquatable<FeatureValue>
{
    private readonly string? _text;
    private readonly long _bits;

    private FeatureValue(FeatureValueKind kind, long bits, string? text)
    {
        Kind = kind;
        _bits = bits;
        _text = text;
    }

    public FeatureValueKind Kind { get; }

    public bool IsNull => Kind == FeatureValueKind.Null;

    public static FeatureValue Null => default;

    public static FeatureValue FromInt32(int value) => new(FeatureValueKind.Int32, value, null);

    public static FeatureValue FromInt64(long value) => new(FeatureValueKind.Int64, value, null);

    public static FeatureValue FromFloat(float value) => new(FeatureValueKind.Float, BitConverter.SingleToInt32Bits(value), null);

    public static FeatureValue FromDouble(double value) => new(FeatureValueKind.Double, BitConverter.DoubleToInt64Bits(value), null);

    public static FeatureValue FromBool(bool value) => new(FeatureValueKind.Bool, value ? 1 : 0, null);

    public static FeatureValue FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(FeatureValueKind.String, 0, value);
    }

    /// <summary>A point in time, kept as UTC ticks; the offset of the argument is not preserved.</summary>
    public static FeatureValue FromTimestamp(DateTimeOffset value) => new(FeatureValueKind.Timestamp, value.UtcTicks, null);

    internal static FeatureValue FromRaw(FeatureValueKind kind, long bits) => new(kind, bits, null);

    public int AsInt32() => Kind == FeatureValueKind.Int32 ? (int)_bits : throw WrongKind(FeatureValueKind.Int32);

    public long AsInt64() => Kind == FeatureValueKind.Int64 ? _bits : throw WrongKind(FeatureValueKind.Int64);

    public float AsFloat() => Kind == FeatureValueKind.Float ? BitConverter.Int32BitsToSingle((int)_bits) : throw WrongKind(FeatureValueKind.Float);

    public double AsDouble() => Kind == FeatureValueKind.Double ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(FeatureValueKind.Double);

    public bool AsBool() => Kind == FeatureValueKind.Bool ? _bits != 0 : throw WrongKind(FeatureValueKind.Bool);

    public string AsString() => Kind == FeatureValueKind.String ? _text! : throw WrongKind(FeatureValueKind.String);

    public DateTimeOffset AsTimestamp() =>
        Kind == FeatureValueKind.Timestamp ? new DateTimeOffset(_bits, TimeSpan.Zero) : throw WrongKind(FeatureValueKind.Timestamp);

    /// <summary>The 64-bit slot as stored: integer value, IEEE bits, 0/1 or UTC ticks depending on <see cref="Kind"/>.</summary>
    internal long RawBits => _bits;

    public bool Equals(FeatureValue other) =>
        Kind == other.Kind && _bits == other._bits && string.Equals(_text, other._text, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is FeatureValue other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Kind, _bits, _text);

    public static bool operator ==(FeatureValue left, FeatureValue right) => left.Equals(right);

    public static bool operator !=(FeatureValue left, FeatureValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        FeatureValueKind.Null => "null",
        FeatureValueKind.Int32 => AsInt32().ToString(CultureInfo.InvariantCulture),
        FeatureValueKind.Int64 => AsInt64().ToString(CultureInfo.InvariantCulture),
        FeatureValueKind.Float => AsFloat().ToString("R", CultureInfo.InvariantCulture),
        FeatureValueKind.Double => AsDouble().ToString("R", CultureInfo.InvariantCulture),
        FeatureValueKind.Bool => AsBool() ? "true" : "false",
        FeatureValueKind.String => _text!,
        FeatureValueKind.Timestamp => AsTimestamp().ToString("O", CultureInfo.InvariantCulture),
        _ => Kind.ToString(),
    };

    private InvalidOperationException WrongKind(FeatureValueKind wanted) =>
        new($"The feature value is {Kind}, not {wanted}.");
}
