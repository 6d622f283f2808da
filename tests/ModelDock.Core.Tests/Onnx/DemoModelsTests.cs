using Microsoft.ML.OnnxRuntime;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

public sealed class DemoModelsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void ModelS_AnyBatch_MatchesReferenceMath(int rows)
    {
        var model = DemoModels.ModelS();
        AssertMlpMatchesReference(model, rows, seed: rows);
    }

    [Fact]
    public void ModelL_Batch3_MatchesReferenceMath()
    {
        var model = DemoModels.ModelL();
        AssertMlpMatchesReference(model, rows: 3, seed: 11);
    }

    [Fact]
    public void Mlp_SameSeed_ProducesIdenticalBytes()
    {
        var first = DemoModels.Mlp([8, 16, 4], seed: 5);
        var second = DemoModels.Mlp([8, 16, 4], seed: 5);

        Assert.Equal(first.Onnx, second.Onnx);
    }

    [Fact]
    public void Mlp_DifferentSeed_ProducesDifferentWeights()
    {
        var first = DemoModels.Mlp([8, 16, 4], seed: 5);
        var second = DemoModels.Mlp([8, 16, 4], seed: 6);

        Assert.NotEqual(first.Weights[0], second.Weights[0]);
    }

    [Fact]
    public void Mlp_Weights_StayWithinFanInBound()
    {
        var model = DemoModels.Mlp([16, 64, 4], seed: 3);

        Assert.All(model.Weights[0], w => Assert.InRange(Math.Abs(w), 0, 0.25f));
        Assert.All(model.Weights[1], w => Assert.InRange(Math.Abs(w), 0, 0.125f));
        Assert.Equal(16 * 64, model.Weights[0].Length);
        Assert.Equal(4, model.Biases[1].Length);
    }

    [Fact]
    public void Mlp_OneLayerSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => DemoModels.Mlp([8], seed: 1));
    }

    [Fact]
    public void TwoInput_TwoRows_ReturnsWeightedSumPerRow()
    {
        long[] ids = [1, 2, 3, 4, -5, 0, 7, 100];
        float[] values = [0.5f, -1.25f, 2f, 0.125f, 3f, 9f, -0.5f, 0.01f];
        var expected = ReferenceMath.WeightedSum(ids, values, DemoModels.TwoInputWidth);

        using var run = OrtTestRunner.Run(
            DemoModels.TwoInput(),
            (DemoModels.TwoInputIds, OrtValue.CreateTensorValueFromMemory(ids, [2, 4])),
            (DemoModels.TwoInputValues, OrtValue.CreateTensorValueFromMemory(values, [2, 4])));

        var output = run.Outputs[0];
        Assert.Equal([2L, 1L], output.GetTensorTypeAndShape().Shape);
        OrtTestRunner.AssertClose(expected, output.GetTensorDataAsSpan<float>());
    }

    [Fact]
    public void NoBatch_FixedShape_ReturnsDoublePlusOne()
    {
        var x = ReferenceMath.RandomInputs(12, seed: 4);

        using var run = OrtTestRunner.Run(
            DemoModels.NoBatch(),
            (DemoModels.NoBatchInput, OrtValue.CreateTensorValueFromMemory(x, [3, 4])));

        var output = run.Outputs[0];
        Assert.Equal([3L, 4L], output.GetTensorTypeAndShape().Shape);
        OrtTestRunner.AssertClose(ReferenceMath.DoublePlusOne(x), output.GetTensorDataAsSpan<float>());
    }

    [Fact]
    public void NoBatch_Signature_HasNoVariableDimension()
    {
        using var session = new InferenceSession(DemoModels.NoBatch());

        Assert.Equal([3, 4], session.InputMetadata[DemoModels.NoBatchInput].Dimensions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Strings_Rows_UpperCasesAsciiAndKeepsOtherCharacters(int rows)
    {
        string[] all = ["hello", "MixEd case 42", "ümlaut and ß"];
        var text = all[..rows];
        var input = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(text, [rows, 1]));

        using var run = OrtTestRunner.Run(DemoModels.Strings(), (DemoModels.StringsInput, input));

        var output = run.Outputs[0];
        Assert.Equal([(long)rows, 1L], output.GetTensorTypeAndShape().Shape);
        Assert.Equal(text.Select(ReferenceMath.AsciiUpper).ToArray(), output.GetStringTensorAsArray());
    }

    private static void AssertMlpMatchesReference(MlpModel model, int rows, int seed)
    {
        var input = ReferenceMath.RandomInputs(rows * model.InputSize, seed);
        var expected = ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, rows);

        using var run = OrtTestRunner.Run(
            model.Onnx,
            (DemoModels.MlpInput, OrtValue.CreateTensorValueFromMemory(input, [rows, model.InputSize])));

        var output = run.Outputs[0];
        Assert.Equal([(long)rows, model.OutputSize], output.GetTensorTypeAndShape().Shape);
        OrtTestRunner.AssertClose(expected, output.GetTensorDataAsSpan<float>());
    }
}
