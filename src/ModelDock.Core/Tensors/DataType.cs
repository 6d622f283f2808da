namespace ModelDock.Tensors;

/// <summary>The Open Inference Protocol datatypes.</summary>
public enum DataType
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Fp32,
    Fp64,
    Bytes,
    Bf16,
}

public static class DataTypes
{
    private static readonly string[] WireNames =
        ["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16"];

    private static readonly int[] Sizes = [1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 0, 2];

    /// <summary>The protocol's spelling, e.g. <c>FP32</c>.</summary>
    public static string ToWireName(this DataType type) => WireNames[(int)type];

    /// <summary>The name in Triton's model configuration, e.g. <c>TYPE_FP32</c>; BYTES is <c>TYPE_STRING</c> there.</summary>
    public static string ToConfigName(this DataType type) => type == DataType.Bytes ? "TYPE_STRING" : "TYPE_" + type.ToWireName();

    /// <summary>The value in Triton's model configuration enum: the same order as here, from 1 (0 is TYPE_INVALID).</summary>
    public static int ToConfigValue(this DataType type) => (int)type + 1;

    /// <summary>Bytes per element; 0 for the variable-size <see cref="DataType.Bytes"/>.</summary>
    public static int ElementSize(this DataType type) => Sizes[(int)type];

    public static bool TryParse(ReadOnlySpan<char> wireName, out DataType type)
    {
        for (var i = 0; i < WireNames.Length; i++)
        {
            if (wireName.SequenceEqual(WireNames[i]))
            {
                type = (DataType)i;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static string AllWireNames => string.Join(", ", WireNames);
}
