using System.Buffers.Binary;
using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Server.Shared;
using ModelDock.Tensors;

namespace ModelDock.Server.Rest;

/// <summary>
/// Reads a tensor's JSON <c>data</c> (nested in the tensor's shape or flat) straight into its
/// little-endian byte buffer, so no intermediate array of boxed or typed values is built.
/// </summary>
internal static class JsonTensorData
{
    // The shape sizes the buffer only up to this many elements; beyond it the buffer grows with the
    // elements actually present, so a shape that promises more than the data holds costs nothing.
    private const int InitialElements = 16 * 1024;

    /// <summary>Reads the value the reader is positioned on and returns the finished tensor.</summary>
    public static Tensor Read(ref Utf8JsonReader reader, string name, DataType dataType, long[] shape, long expected)
    {
        if (dataType == DataType.Bytes)
        {
            return ReadBytes(ref reader, name, shape, expected);
        }

        var size = dataType.ElementSize();
        var buffer = new byte[Math.Min(expected, InitialElements) * size];
        long count = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            WriteElement(ref reader, name, dataType, ref buffer, count++, expected);
        }
        else
        {
            var depth = 0;
            do
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        depth++;
                        break;
                    case JsonTokenType.EndArray:
                        depth--;
                        break;
                    default:
                        WriteElement(ref reader, name, dataType, ref buffer, count++, expected);
                        break;
                }
            }
            while (depth > 0 && reader.Read());
        }

        CheckCount(name, shape, expected, count);
        return Tensor.FromRaw(name, dataType, shape, buffer);
    }

    private static Tensor ReadBytes(ref Utf8JsonReader reader, string name, long[] shape, long expected)
    {
        var elements = new List<byte[]>((int)Math.Min(expected, 1 << 20));
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            elements.Add(ReadString(ref reader, name, 0));
        }
        else
        {
            var depth = 0;
            do
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartArray:
                        depth++;
                        break;
                    case JsonTokenType.EndArray:
                        depth--;
                        break;
                    default:
                        elements.Add(ReadString(ref reader, name, elements.Count));
                        break;
                }
            }
            while (depth > 0 && reader.Read());
        }

        CheckCount(name, shape, expected, elements.Count);
        return Tensor.FromBytes(name, shape, elements);
    }

    private static byte[] ReadString(ref Utf8JsonReader reader, string name, long index)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw Invalid(name, index, DataType.Bytes, "must be a string");
        }

        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.ToArray();
        }

        var scratch = new byte[reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length];
        try
        {
            var written = reader.CopyString(scratch);
            return scratch.AsSpan(0, written).ToArray();
        }
        catch (InvalidOperationException e)
        {
            // A lone surrogate escape has no UTF-8 form.
            throw Invalid(name, index, DataType.Bytes, "is not valid text: " + e.Message);
        }
    }

    private static void CheckCount(string name, long[] shape, long expected, long actual)
    {
        if (actual != expected)
        {
            throw ModelDockException.InvalidInput(
                $"input '{name}': data has {actual} elements but shape [{string.Join(",", shape)}] needs {expected}");
        }
    }

    private static void WriteElement(ref Utf8JsonReader reader, string name, DataType type, ref byte[] buffer, long index, long expected)
    {
        if (index >= expected)
        {
            // Keep counting so the error can say how many elements were sent.
            return;
        }

        var size = type.ElementSize();
        var offset = (int)(index * size);
        if (offset == buffer.Length)
        {
            Array.Resize(ref buffer, (int)Math.Min(expected * size, 2L * buffer.Length));
        }

        var at = buffer.AsSpan(offset);
        switch (type)
        {
            case DataType.Bool:
                at[0] = reader.TokenType switch
                {
                    JsonTokenType.True => 1,
                    JsonTokenType.False => 0,
                    _ => throw Invalid(name, index, type, "must be true or false"),
                };
                break;
            case DataType.Int8:
                at[0] = (byte)(sbyte)ReadInteger(ref reader, name, index, type, sbyte.MinValue, sbyte.MaxValue);
                break;
            case DataType.Int16:
                BinaryPrimitives.WriteInt16LittleEndian(at, (short)ReadInteger(ref reader, name, index, type, short.MinValue, short.MaxValue));
                break;
            case DataType.Int32:
                BinaryPrimitives.WriteInt32LittleEndian(at, (int)ReadInteger(ref reader, name, index, type, int.MinValue, int.MaxValue));
                break;
            case DataType.Int64:
                BinaryPrimitives.WriteInt64LittleEndian(at, ReadInteger(ref reader, name, index, type, long.MinValue, long.MaxValue));
                break;
            case DataType.UInt8:
                at[0] = (byte)ReadInteger(ref reader, name, index, type, 0, byte.MaxValue);
                break;
            case DataType.UInt16:
                BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)ReadInteger(ref reader, name, index, type, 0, ushort.MaxValue));
                break;
            case DataType.UInt32:
                BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)ReadInteger(ref reader, name, index, type, 0, uint.MaxValue));
                break;
            case DataType.UInt64:
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out var u64))
                {
                    throw Invalid(name, index, type, "must be an integer between 0 and " + ulong.MaxValue);
                }

                BinaryPrimitives.WriteUInt64LittleEndian(at, u64);
                break;
            case DataType.Fp32:
                BinaryPrimitives.WriteSingleLittleEndian(at, ReadSingle(ref reader, name, index, type));
                break;
            case DataType.Fp64:
                BinaryPrimitives.WriteDoubleLittleEndian(at, ReadDouble(ref reader, name, index, type));
                break;
            case DataType.Fp16:
                BinaryPrimitives.WriteHalfLittleEndian(at, (Half)ReadSingle(ref reader, name, index, type));
                break;
            case DataType.Bf16:
                BinaryPrimitives.WriteUInt16LittleEndian(at, BFloat16.FromSingle(ReadSingle(ref reader, name, index, type)));
                break;
            default:
                throw Invalid(name, index, type, "has an unsupported datatype");
        }
    }

    private static long ReadInteger(ref Utf8JsonReader reader, string name, long index, DataType type, long min, long max)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < min || value > max)
        {
            throw Invalid(name, index, type, $"must be an integer between {min} and {max}");
        }

        return value;
    }

    private static float ReadSingle(ref Utf8JsonReader reader, string name, long index, DataType type)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetSingle(out var value))
        {
            return value;
        }

        return (float)ReadNonFinite(ref reader, name, index, type);
    }

    private static double ReadDouble(ref Utf8JsonReader reader, string name, long index, DataType type)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
        {
            return value;
        }

        return ReadNonFinite(ref reader, name, index, type);
    }

    /// <summary>JSON has no NaN or infinity literals; accept them spelled as strings, as Python clients do.</summary>
    private static double ReadNonFinite(ref Utf8JsonReader reader, string name, long index, DataType type)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (JsonText.Is(ref reader, "NaN"u8))
            {
                return double.NaN;
            }

            if (JsonText.Is(ref reader, "Infinity"u8))
            {
                return double.PositiveInfinity;
            }

            if (JsonText.Is(ref reader, "-Infinity"u8))
            {
                return double.NegativeInfinity;
            }
        }

        throw Invalid(name, index, type, "must be a number");
    }

    private static ModelDockException Invalid(string name, long index, DataType type, string problem) =>
        ModelDockException.InvalidInput($"input '{name}': element {index} of {type.ToWireName()} data {problem}");
}
