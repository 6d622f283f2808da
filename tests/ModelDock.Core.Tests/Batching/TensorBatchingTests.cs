using System.Text;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Batching;

public sealed class TensorBatchingTests
{
    [Fact]
    public void Concat_RawTensors_JoinsRowsInOrder()
    {
        var a = Tensor.FromArray("x", DataType.Int32, [1, 2], new[] { 1, 2 });
        var b = Tensor.FromArray("x", DataType.Int32, [2, 2], new[] { 3, 4, 5, 6 });

        var joined = TensorBatching.Concat("x", [a, b]);

        Assert.Equal([3L, 2L], joined.Shape);
        Assert.Equal([1, 2, 3, 4, 5, 6], joined.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Concat_IntoRentedBuffer_UsesOnlyTheBytesItNeeds()
    {
        var a = Tensor.FromArray("x", DataType.Fp64, [1, 1], new[] { 1.5 });
        var b = Tensor.FromArray("x", DataType.Fp64, [1, 1], new[] { -2.5 });
        var buffer = new byte[64];

        var joined = TensorBatching.Concat("x", [a, b], buffer);

        Assert.Equal(16, TensorBatching.ConcatenatedByteCount([a, b]));
        Assert.Equal(16, joined.Data.Length);
        Assert.Equal([1.5, -2.5], joined.AsSpan<double>().ToArray());
    }

    [Fact]
    public void ConcatThenSliceRows_BytesTensors_GivesBackEachPart()
    {
        var a = Tensor.FromBytes("t", [1, 2], [Encoding.UTF8.GetBytes("a0"), Encoding.UTF8.GetBytes("a1")]);
        var b = Tensor.FromBytes("t", [2, 2], [.. new[] { "b0", "b1", "b2", "b3" }.Select(Encoding.UTF8.GetBytes)]);

        var joined = TensorBatching.Concat("t", [a, b]);
        var second = TensorBatching.SliceRows(joined, 1, 2);

        Assert.Equal([3L, 2L], joined.Shape);
        Assert.Equal([2L, 2L], second.Shape);
        Assert.Equal(["b0", "b1", "b2", "b3"], second.BytesElements!.Select(Encoding.UTF8.GetString));
    }

    [Fact]
    public void SliceRows_RawTensor_CopiesOnlyTheRequestedRows()
    {
        var tensor = Tensor.FromArray("y", DataType.Fp32, [3, 2], new float[] { 0, 1, 10, 11, 20, 21 });

        var middle = TensorBatching.SliceRows(tensor, 1, 1, "z");

        Assert.Equal("z", middle.Name);
        Assert.Equal([1L, 2L], middle.Shape);
        Assert.Equal([10f, 11f], middle.AsSpan<float>().ToArray());
    }

    [Fact]
    public void Concat_DifferentNonBatchDims_IsRefusedNamingBothShapes()
    {
        var a = Tensor.FromArray("x", DataType.Fp32, [1, 2], new float[2]);
        var b = Tensor.FromArray("x", DataType.Fp32, [1, 3], new float[3]);

        var error = Assert.Throws<ArgumentException>(() => TensorBatching.Concat("x", [a, b]));

        Assert.Contains("FP32[1,3]", error.Message, StringComparison.Ordinal);
        Assert.Contains("FP32[1,2]", error.Message, StringComparison.Ordinal);
    }
}
