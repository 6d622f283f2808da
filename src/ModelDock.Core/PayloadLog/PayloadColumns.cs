using ModelDock.Tensors;

namespace ModelDock.PayloadLog;

/// <summary>
/// How tensors become Parquet columns: each input <c>x</c> is a typed list column <c>in__x</c> (its elements flattened,
/// row-major) and a <c>in_shape__x</c> BIGINT[] column; outputs are <c>out__y</c> and <c>out_shape__y</c>. BYTES
/// tensors are BLOB[] lists. The prefixes differ before any name begins, so no tensor name can collide with
/// another's column or with a fixed column.
/// </summary>
internal static class PayloadColumns
{
    public const string InputPrefix = "in__";
    public const string InputShapePrefix = "in_shape__";
    public const string OutputPrefix = "out__";
    public const string OutputShapePrefix = "out_shape__";

    /// <summary>The DuckDB element type a datatype is stored as: its own width, half floats widened to FLOAT.</summary>
    public static string ElementType(DataType type) => type switch
    {
        DataType.Bool => "BOOLEAN",
        DataType.UInt8 => "UTINYINT",
        DataType.UInt16 => "USMALLINT",
        DataType.UInt32 => "UINTEGER",
        DataType.UInt64 => "UBIGINT",
        DataType.Int8 => "TINYINT",
        DataType.Int16 => "SMALLINT",
        DataType.Int32 => "INTEGER",
        DataType.Int64 => "BIGINT",
        DataType.Fp16 or DataType.Bf16 or DataType.Fp32 => "FLOAT",
        DataType.Fp64 => "DOUBLE",
        _ => "BLOB",
    };

    /// <summary>The tensor's elements as a collection the DuckDB appender writes into a list column.</summary>
    public static object Values(Tensor tensor) => tensor.DataType switch
    {
        DataType.Bool => ToBool(tensor.Data.Span),
        DataType.UInt8 => tensor.Data.ToArray(),
        DataType.UInt16 => tensor.AsSpan<ushort>().ToArray(),
        DataType.UInt32 => tensor.AsSpan<uint>().ToArray(),
        DataType.UInt64 => tensor.AsSpan<ulong>().ToArray(),
        DataType.Int8 => tensor.AsSpan<sbyte>().ToArray(),
        DataType.Int16 => tensor.AsSpan<short>().ToArray(),
        DataType.Int32 => tensor.AsSpan<int>().ToArray(),
        DataType.Int64 => tensor.AsSpan<long>().ToArray(),
        DataType.Fp16 => ToFloat(tensor.AsSpan<Half>()),
        DataType.Bf16 => FromBFloat16(tensor.AsSpan<ushort>()),
        DataType.Fp32 => tensor.AsSpan<float>().ToArray(),
        DataType.Fp64 => tensor.AsSpan<double>().ToArray(),
        _ => tensor.BytesElements!.ToList(),
    };

    private static bool[] ToBool(ReadOnlySpan<byte> bytes)
    {
        var values = new bool[bytes.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = bytes[i] != 0;
        }

        return values;
    }

    private static float[] ToFloat(ReadOnlySpan<Half> halves)
    {
        var values = new float[halves.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)halves[i];
        }

        return values;
    }

    /// <summary>bfloat16 is the upper half of a float32's bits.</summary>
    private static float[] FromBFloat16(ReadOnlySpan<ushort> bits)
    {
        var values = new float[bits.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
        }

        return values;
    }

}
