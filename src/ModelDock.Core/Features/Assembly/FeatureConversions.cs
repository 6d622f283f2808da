using System.Runtime.InteropServices;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Tensors;

namespace ModelDock.Features.Assembly;

/// <summary>
/// Which feature types may fill which model input datatypes, and the conversion itself. Integers and booleans widen
/// into any numeric input; FLOAT and DOUBLE go only into FP32 and FP64, never truncated into an integer; STRING,
/// timestamps and lists go nowhere. Two conversions can lose precision and are allowed because models take them
/// routinely: INT64 beyond 2^24 into FP32 (2^53 into FP64) and DOUBLE into FP32 round to the nearest representable value.
/// </summary>
internal static class FeatureConversions
{
    public static bool CanConvert(FeatureValueType from, DataType to) => (from, to) switch
    {
        (FeatureValueType.Bool, DataType.Bool or DataType.Int32 or DataType.Int64 or DataType.Fp32 or DataType.Fp64) => true,
        (FeatureValueType.Int32, DataType.Int32 or DataType.Int64 or DataType.Fp32 or DataType.Fp64) => true,
        (FeatureValueType.Int64, DataType.Int64 or DataType.Fp32 or DataType.Fp64) => true,
        (FeatureValueType.Float or FeatureValueType.Double, DataType.Fp32 or DataType.Fp64) => true,
        _ => false,
    };

    /// <summary>Writes element <paramref name="index"/> of a tensor of <paramref name="to"/>; the value's kind is one <see cref="CanConvert"/> allows.</summary>
    public static void Write(Span<byte> data, int index, DataType to, FeatureValue value)
    {
        switch (to)
        {
            case DataType.Fp32:
                MemoryMarshal.Cast<byte, float>(data)[index] = value.Kind == FeatureValueKind.Float ? value.AsFloat() : (float)AsDouble(value);
                break;
            case DataType.Fp64:
                MemoryMarshal.Cast<byte, double>(data)[index] = AsDouble(value);
                break;
            case DataType.Int64:
                MemoryMarshal.Cast<byte, long>(data)[index] = AsInt64(value);
                break;
            case DataType.Int32:
                MemoryMarshal.Cast<byte, int>(data)[index] = (int)AsInt64(value);
                break;
            default:
                data[index] = AsInt64(value) != 0 ? (byte)1 : (byte)0;
                break;
        }
    }

    /// <summary>Writes a declared default, which the config reader already checked fits <paramref name="to"/>.</summary>
    public static void WriteDefault(Span<byte> data, int index, DataType to, double value)
    {
        switch (to)
        {
            case DataType.Fp32:
                MemoryMarshal.Cast<byte, float>(data)[index] = (float)value;
                break;
            case DataType.Fp64:
                MemoryMarshal.Cast<byte, double>(data)[index] = value;
                break;
            case DataType.Int64:
                MemoryMarshal.Cast<byte, long>(data)[index] = (long)value;
                break;
            case DataType.Int32:
                MemoryMarshal.Cast<byte, int>(data)[index] = (int)value;
                break;
            default:
                data[index] = value != 0 ? (byte)1 : (byte)0;
                break;
        }
    }

    private static double AsDouble(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Float => value.AsFloat(),
        FeatureValueKind.Double => value.AsDouble(),
        _ => AsInt64(value),
    };

    private static long AsInt64(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Int32 => value.AsInt32(),
        FeatureValueKind.Int64 => value.AsInt64(),
        _ => value.AsBool() ? 1 : 0,
    };
}
