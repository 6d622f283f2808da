using System.Runtime.InteropServices;

namespace ModelDock.Tensors;

/// <summary>
/// A named tensor. Fixed-size datatypes hold their elements as little-endian, row-major bytes
/// (the layout of the binary tensor extension, gRPC raw contents and ONNX Runtime alike, so no
/// conversion is needed between them); <see cref="DataType.Bytes"/> holds one byte array per element.
/// </summary>
public sealed class Tensor
{
    private Tensor(string name, DataType dataType, long[] shape, ReadOnlyMemory<byte> data, IReadOnlyList<byte[]>? bytes)
    {
        Name = name;
        DataType = dataType;
        Shape = shape;
        Data = data;
        BytesElements = bytes;
    }

    public string Name { get; }

    public DataType DataType { get; }

    public long[] Shape { get; }

    /// <summary>Raw element bytes for fixed-size datatypes; empty for BYTES.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Elements of a BYTES tensor; null for fixed-size datatypes.</summary>
    public IReadOnlyList<byte[]>? BytesElements { get; }

    public long ElementCount => ElementCountOf(Shape);

    /// <summary>Creates a fixed-size tensor over raw bytes; the caller guarantees the length matches the shape.</summary>
    public static Tensor FromRaw(string name, DataType dataType, long[] shape, ReadOnlyMemory<byte> data)
    {
        if (dataType == DataType.Bytes)
        {
            throw new ArgumentException("BYTES tensors are created with FromBytes.", nameof(dataType));
        }

        return new Tensor(name, dataType, shape, data, null);
    }

    public static Tensor FromBytes(string name, long[] shape, IReadOnlyList<byte[]> elements) =>
        new(name, DataType.Bytes, shape, ReadOnlyMemory<byte>.Empty, elements);

    public static Tensor FromArray<T>(string name, DataType dataType, long[] shape, T[] values)
        where T : unmanaged =>
        FromRaw(name, dataType, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data.Span);

    public Tensor WithName(string name) => new(name, DataType, Shape, Data, BytesElements);

    /// <summary>This tensor over memory of its own, for when the memory it references is about to be returned to a pool.</summary>
    internal Tensor Detached() => BytesElements is null ? new(Name, DataType, Shape, Data.ToArray(), null) : this;

    public static long ElementCountOf(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return count;
    }
}
