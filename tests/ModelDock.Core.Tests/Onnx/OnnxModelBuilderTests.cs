using Microsoft.ML.OnnxRuntime;
using ModelDock.Onnx;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

public sealed class OnnxModelBuilderTests
{
    [Fact]
    public void Build_FixedAndVariableDims_DeclaresThemInTheSignature()
    {
        var onnx = new OnnxModelBuilder()
            .AddInput("a", DataType.Fp32, -1, 5, -1)
            .AddOutput("b", DataType.Fp32, -1, 5, -1)
            .AddNode("Identity", ["a"], ["b"])
            .Build();

        using var session = new InferenceSession(onnx);

        var input = session.InputMetadata["a"];
        Assert.Equal([-1, 5, -1], input.Dimensions);
        Assert.Equal(["batch", string.Empty, "dim2"], input.SymbolicDimensions);
    }

    [Fact]
    public void Build_Int64Initializer_IsUsableByNodes()
    {
        var onnx = new OnnxModelBuilder()
            .AddInput("a", DataType.Int64, -1, 3)
            .AddOutput("b", DataType.Int64, -1, 3)
            .AddInitializer("offset", [10L, 20L, 30L], [3])
            .AddNode("Add", ["a", "offset"], ["b"])
            .Build();

        using var run = OrtTestRunner.Run(onnx, ("a", OrtValue.CreateTensorValueFromMemory(new long[] { 1, 2, 3 }, [1, 3])));

        Assert.Equal([11L, 22L, 33L], run.Outputs[0].GetTensorDataAsSpan<long>().ToArray());
    }

    [Fact]
    public void AddInput_DimensionBelowMinusOne_ThrowsNamingTheInput()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxModelBuilder().AddInput("a", DataType.Fp32, -2));

        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddNode_OutputAlreadyDefined_Throws()
    {
        var builder = new OnnxModelBuilder().AddInput("a", DataType.Fp32, 1);

        var error = Assert.Throws<ArgumentException>(() => builder.AddNode("Identity", ["a"], ["a"]));

        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInitializer_ValueCountDiffersFromShape_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new OnnxModelBuilder().AddInitializer("w", [1f, 2f, 3f], [2, 2]));

        Assert.Contains("3 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoOutputs_Throws()
    {
        var builder = new OnnxModelBuilder().AddInput("a", DataType.Fp32, 1);

        Assert.Throws<InvalidOperationException>(builder.Build);
    }

    [Fact]
    public void Save_WritesTheBuiltBytes()
    {
        var builder = new OnnxModelBuilder()
            .AddInput("a", DataType.Fp32, 2)
            .AddOutput("b", DataType.Fp32, 2)
            .AddNode("Identity", ["a"], ["b"]);
        var path = Path.Combine(Path.GetTempPath(), $"modeldock-builder-{Guid.NewGuid():N}.onnx");
        try
        {
            builder.Save(path);

            Assert.Equal(builder.Build(), File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
