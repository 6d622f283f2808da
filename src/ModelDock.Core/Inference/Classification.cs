using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ModelDock.Errors;
using ModelDock.Tensors;

namespace ModelDock.Inference;

/// <summary>
/// Triton's classification extension: an output asked for with <c>classification: k</c> is answered
/// with its k largest values per row as BYTES strings <c>"value:index"</c>, highest first. Value is
/// written with six decimals, as Triton does, so clients that split on ':' read either server alike.
/// </summary>
internal static class Classification
{
    /// <summary>The parameter's name on a requested output, in REST and gRPC alike.</summary>
    public const string Parameter = "classification";

    /// <summary>Checks a requested <c>classification</c> value: the number of classes to return.</summary>
    public static int CountOf(long value, string output) =>
        value is >= 1 and <= int.MaxValue
            ? (int)value
            : throw ModelDockException.InvalidInput(
                $"output '{output}': {Parameter} must be a positive integer (the number of classes to return), got {value}");

    /// <param name="output">The model's output; numeric.</param>
    /// <param name="count">k; capped at the number of classes in a row.</param>
    /// <param name="batched">True when the first dimension is the batch: each row is classified on its own.</param>
    public static Tensor TopK(Tensor output, int count, bool batched)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (output.DataType is DataType.Bytes or DataType.Bool)
        {
            throw ModelDockException.InvalidInput(
                $"output '{output.Name}' is {output.DataType.ToWireName()}; classification needs a numeric output");
        }

        var total = Tensor.ElementCountOf(output.Shape);
        var rows = batched && output.Shape.Length > 0 ? output.Shape[0] : 1;
        var perRow = rows == 0 ? 0 : total / rows;
        var k = (int)Math.Min(count, perRow);
        var data = output.Data.Span;
        var size = output.DataType.ElementSize();
        var elements = new byte[rows * k][];
        var order = new int[perRow];
        var values = new double[perRow];
        for (var row = 0; row < rows; row++)
        {
            for (var i = 0; i < perRow; i++)
            {
                values[i] = ReadAsDouble(output.DataType, data.Slice((int)(((row * perRow) + i) * size), size));
                order[i] = i;
            }

            // Highest first; equal values keep the lower index first, so answers are deterministic.
            Array.Sort(order, (a, b) => values[b].CompareTo(values[a]) is var c and not 0 ? c : a.CompareTo(b));
            for (var j = 0; j < k; j++)
            {
                var index = order[j];
                elements[(row * k) + j] = Encoding.UTF8.GetBytes(
                    string.Create(CultureInfo.InvariantCulture, $"{values[index]:F6}:{index}"));
            }
        }

        long[] shape = batched ? [rows, k] : [k];
        return Tensor.FromBytes(output.Name, shape, elements);
    }

    private static double ReadAsDouble(DataType type, ReadOnlySpan<byte> bytes) => type switch
    {
        DataType.UInt8 => bytes[0],
        DataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        DataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        DataType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        DataType.Int8 => (sbyte)bytes[0],
        DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(bytes),
        DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
        DataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
        DataType.Fp16 => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes),
        DataType.Fp32 => BinaryPrimitives.ReadSingleLittleEndian(bytes),
        DataType.Fp64 => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
        DataType.Bf16 => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes) << 16),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a numeric datatype"),
    };
}
