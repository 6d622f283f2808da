using System.Text;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Inference;

public sealed class ClassificationTests
{
    [Fact]
    public void TopK_BatchedFp32_EachRowHighestFirstTiesByLowerIndex()
    {
        var output = Tensor.FromArray("scores", DataType.Fp32, [2, 4], new float[] { 0.1f, 0.7f, 0.2f, 0.7f, 3f, 1f, 2f, 0f });

        var classes = Classification.TopK(output, 2, batched: true);

        Assert.Equal(DataType.Bytes, classes.DataType);
        Assert.Equal([2L, 2L], classes.Shape);
        Assert.Equal(["0.700000:1", "0.700000:3", "3.000000:0", "2.000000:2"], Strings(classes));
    }

    [Fact]
    public void TopK_MoreClassesThanTheRowHas_ReturnsEveryClass()
    {
        var output = Tensor.FromArray("scores", DataType.Int32, [1, 3], new[] { 5, -2, 9 });

        var classes = Classification.TopK(output, 10, batched: true);

        Assert.Equal([1L, 3L], classes.Shape);
        Assert.Equal(["9.000000:2", "5.000000:0", "-2.000000:1"], Strings(classes));
    }

    [Fact]
    public void TopK_UnbatchedFp16_ClassifiesTheWholeTensor()
    {
        var output = Tensor.FromArray("scores", DataType.Fp16, [2, 2], new[] { (Half)0.5f, (Half)0.25f, (Half)1.5f, (Half)(-1f) });

        var classes = Classification.TopK(output, 1, batched: false);

        Assert.Equal([1L], classes.Shape);
        Assert.Equal(["1.500000:2"], Strings(classes));
    }

    [Fact]
    public void TopK_BytesOutput_IsAClientError()
    {
        var output = Tensor.FromBytes("text", [1], [Encoding.UTF8.GetBytes("a")]);

        var error = Assert.Throws<ModelDockException>(() => Classification.TopK(output, 1, batched: false));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'text'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1L + int.MaxValue)]
    public void CountOf_NotAPositiveInt_IsAClientErrorNamingTheOutput(long value)
    {
        var error = Assert.Throws<ModelDockException>(() => Classification.CountOf(value, "scores"));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'scores'", error.Message, StringComparison.Ordinal);
    }

    private static string[] Strings(Tensor tensor) => tensor.BytesElements!.Select(b => Encoding.UTF8.GetString(b)).ToArray();
}
