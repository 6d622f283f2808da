using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>
/// Four values per datatype, including each type's extremes, and their independent encodings:
/// JSON text, little-endian bytes, and checks of a JSON element against the value.
/// </summary>
public static class DatatypeCases
{
    public static TheoryData<DataType> All => new(Enum.GetValues<DataType>());

    /// <summary>The datatypes gRPC can carry in typed contents (FP16 and BF16 have no field).</summary>
    public static TheoryData<DataType> Typed => new(Enum.GetValues<DataType>().Where(t => t is not (DataType.Fp16 or DataType.Bf16)));

    public static object[] Values(DataType type) => type switch
    {
        DataType.Bool => [true, false, false, true],
        DataType.UInt8 => [0L, 255L, 7L, 8L],
        DataType.Int8 => [-128L, 127L, 0L, -1L],
        DataType.UInt16 => [0L, 65535L, 1L, 2L],
        DataType.Int16 => [-32768L, 32767L, 0L, 1L],
        DataType.UInt32 => [0L, 4294967295L, 1L, 2L],
        DataType.Int32 => [-2147483648L, 2147483647L, 0L, 1L],
        DataType.UInt64 => [0UL, ulong.MaxValue, 1UL, 2UL],
        DataType.Int64 => [long.MinValue, long.MaxValue, 0L, 1L],
        DataType.Bytes => ["a", "bé", string.Empty, "xyz"],
        _ => [0.5, -2.0, 1024.0, 0.125],
    };

    public static string Json(object value) => value switch
    {
        bool b => b ? "true" : "false",
        string s => JsonSerializer.Serialize(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException("unexpected value", nameof(value)),
    };

    /// <summary>[[v0, v1], [v2, v3]].</summary>
    public static string NestedJson(DataType type)
    {
        var v = Values(type);
        return $"[[{Json(v[0])},{Json(v[1])}],[{Json(v[2])},{Json(v[3])}]]";
    }

    public static string FlatJson(DataType type) => "[" + string.Join(",", Values(type).Select(Json)) + "]";

    /// <summary>The binary tensor layout: little-endian elements, BYTES as 4-byte length plus bytes.</summary>
    public static byte[] Bytes(DataType type)
    {
        var stream = new MemoryStream();
        Span<byte> buffer = stackalloc byte[8];
        foreach (var value in Values(type))
        {
            var size = type == DataType.Bytes ? 0 : type.ElementSize();
            switch (type)
            {
                case DataType.Bool:
                    buffer[0] = (bool)value ? (byte)1 : (byte)0;
                    break;
                case DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16 or DataType.UInt32 or DataType.Int32 or DataType.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(buffer, (long)value);
                    break;
                case DataType.UInt64:
                    BinaryPrimitives.WriteUInt64LittleEndian(buffer, (ulong)value);
                    break;
                case DataType.Fp16:
                    BinaryPrimitives.WriteHalfLittleEndian(buffer, (Half)(double)value);
                    break;
                case DataType.Bf16:
                    BinaryPrimitives.WriteUInt16LittleEndian(buffer, (ushort)(BitConverter.SingleToUInt32Bits((float)(double)value) >> 16));
                    break;
                case DataType.Fp32:
                    BinaryPrimitives.WriteSingleLittleEndian(buffer, (float)(double)value);
                    break;
                case DataType.Fp64:
                    BinaryPrimitives.WriteDoubleLittleEndian(buffer, (double)value);
                    break;
                case DataType.Bytes:
                    var text = Encoding.UTF8.GetBytes((string)value);
                    BinaryPrimitives.WriteInt32LittleEndian(buffer, text.Length);
                    stream.Write(buffer[..4]);
                    stream.Write(text);
                    break;
            }

            // Little-endian: the low bytes of the 64-bit write are the narrower value.
            stream.Write(buffer[..size]);
        }

        return stream.ToArray();
    }

    public static void AssertElement(DataType type, object expected, JsonElement actual)
    {
        switch (expected)
        {
            case bool b:
                Assert.Equal(b, actual.GetBoolean());
                break;
            case string s:
                Assert.Equal(s, actual.GetString());
                break;
            case ulong u:
                Assert.Equal(u, actual.GetUInt64());
                break;
            case long l:
                Assert.Equal(l, actual.GetInt64());
                break;
            case double d:
                Assert.Equal(d, actual.GetDouble());
                break;
            default:
                Assert.Fail($"unexpected {type} value {expected}");
                break;
        }
    }
}
