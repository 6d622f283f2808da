using Microsoft.ML.OnnxRuntime.Tensors;
using ModelDock.Tensors;

namespace ModelDock.Runtime.Onnx;

/// <summary>Maps ONNX Runtime element types to protocol datatypes; STRING travels as BYTES.</summary>
internal static class OnnxElementTypes
{
    public static bool TryToDataType(TensorElementType elementType, out DataType dataType)
    {
        DataType? mapped = elementType switch
        {
            TensorElementType.Bool => DataType.Bool,
            TensorElementType.Int8 => DataType.Int8,
            TensorElementType.Int16 => DataType.Int16,
            TensorElementType.Int32 => DataType.Int32,
            TensorElementType.Int64 => DataType.Int64,
            TensorElementType.UInt8 => DataType.UInt8,
            TensorElementType.UInt16 => DataType.UInt16,
            TensorElementType.UInt32 => DataType.UInt32,
            TensorElementType.UInt64 => DataType.UInt64,
            TensorElementType.Float16 => DataType.Fp16,
            TensorElementType.BFloat16 => DataType.Bf16,
            TensorElementType.Float => DataType.Fp32,
            TensorElementType.Double => DataType.Fp64,
            TensorElementType.String => DataType.Bytes,
            _ => null,
        };
        dataType = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }

    public static TensorElementType ToElementType(DataType dataType) => dataType switch
    {
        DataType.Bool => TensorElementType.Bool,
        DataType.Int8 => TensorElementType.Int8,
        DataType.Int16 => TensorElementType.Int16,
        DataType.Int32 => TensorElementType.Int32,
        DataType.Int64 => TensorElementType.Int64,
        DataType.UInt8 => TensorElementType.UInt8,
        DataType.UInt16 => TensorElementType.UInt16,
        DataType.UInt32 => TensorElementType.UInt32,
        DataType.UInt64 => TensorElementType.UInt64,
        DataType.Fp16 => TensorElementType.Float16,
        DataType.Bf16 => TensorElementType.BFloat16,
        DataType.Fp32 => TensorElementType.Float,
        DataType.Fp64 => TensorElementType.Double,
        DataType.Bytes => TensorElementType.String,
        _ => throw new ArgumentOutOfRangeException(nameof(dataType), dataType, "No ONNX element type for this datatype."),
    };
}
