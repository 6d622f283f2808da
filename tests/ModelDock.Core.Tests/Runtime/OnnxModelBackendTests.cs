using System.Text;
using ModelDock.Onnx;
using ModelDock.Runtime.Onnx;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Runtime;

public sealed class OnnxModelBackendTests : IDisposable
{
    private readonly TestModelRepository _repository = new();

    public static TheoryData<DataType> FixedSizeTypes() =>
        new(Enum.GetValues<DataType>().Where(t => t != DataType.Bytes));

    [Theory]
    [MemberData(nameof(FixedSizeTypes))]
    public void Run_IdentityOfFixedSizeType_ReturnsInputBytes(DataType dataType)
    {
        using var backend = Load(DemoModels.Identity(dataType));
        var shape = new long[] { 2, 3 };
        var data = new byte[6 * dataType.ElementSize()];
        for (var i = 0; i < data.Length; i++)
        {
            // Keeps BOOL elements 0 or 1 and other types arbitrary but deterministic.
            data[i] = dataType == DataType.Bool ? (byte)(i % 2) : (byte)((i * 37) + 11);
        }

        var output = Assert.Single(backend.Run([Tensor.FromRaw(DemoModels.IdentityInput, dataType, shape, data)], [DemoModels.IdentityOutput]));

        Assert.Equal(DemoModels.IdentityOutput, output.Name);
        Assert.Equal(dataType, output.DataType);
        Assert.Equal(shape, output.Shape);
        Assert.Equal(data, output.Data.ToArray());
    }

    [Fact]
    public void Run_IdentityOfBytes_ReturnsSameElements()
    {
        using var backend = Load(DemoModels.Identity(DataType.Bytes));
        byte[][] elements = [Encoding.UTF8.GetBytes("héllo"), [], Encoding.UTF8.GetBytes("wörld 🌍"), [0x41]];

        var output = Assert.Single(backend.Run([Tensor.FromBytes(DemoModels.IdentityInput, [2, 2], elements)], [DemoModels.IdentityOutput]));

        Assert.Equal(DataType.Bytes, output.DataType);
        Assert.Equal(new long[] { 2, 2 }, output.Shape);
        Assert.Equal(elements, output.BytesElements);
    }

    [Fact]
    public void Run_EmptyBatch_ReturnsEmptyOutput()
    {
        using var backend = Load(DemoModels.Identity(DataType.Fp32));

        var output = Assert.Single(backend.Run([Tensor.FromRaw(DemoModels.IdentityInput, DataType.Fp32, [0, 3], ReadOnlyMemory<byte>.Empty)], [DemoModels.IdentityOutput]));

        Assert.Equal(new long[] { 0, 3 }, output.Shape);
        Assert.Equal(0, output.Data.Length);
    }

    [Fact]
    public void Run_StringsModel_UpperCasesEachElement()
    {
        using var backend = Load(DemoModels.Strings());
        string[] texts = ["abc", "Hello, World!", ""];

        var output = Assert.Single(backend.Run(
            [Tensor.FromBytes(DemoModels.StringsInput, [3, 1], texts.Select(Encoding.UTF8.GetBytes).ToArray())],
            [DemoModels.StringsOutput]));

        Assert.Equal(texts.Select(ReferenceMath.AsciiUpper), output.BytesElements!.Select(Encoding.UTF8.GetString));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Run_Mlp_MatchesReferenceMath(int rows)
    {
        var model = DemoModels.Mlp([16, 32, 8], seed: 3);
        using var backend = Load(model.Onnx);
        var input = ReferenceMath.RandomInputs(rows * 16, seed: rows);

        var output = Assert.Single(backend.Run(
            [Tensor.FromArray(DemoModels.MlpInput, DataType.Fp32, [rows, 16], input)],
            [DemoModels.MlpOutput]));

        var expected = ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, rows);
        Assert.Equal(new long[] { rows, 8 }, output.Shape);
        var actual = output.AsSpan<float>().ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance: 1e-5);
        }
    }

    [Fact]
    public void Run_SliceOfLargerBuffer_ReadsOnlyTheSlice()
    {
        using var backend = Load(DemoModels.Identity(DataType.Int32));
        var buffer = new byte[] { 9, 9, 9, 9, 1, 0, 0, 0, 2, 0, 0, 0, 9, 9, 9, 9 };

        var output = Assert.Single(backend.Run(
            [Tensor.FromRaw(DemoModels.IdentityInput, DataType.Int32, [1, 2], buffer.AsMemory(4, 8))],
            [DemoModels.IdentityOutput]));

        Assert.Equal(new[] { 1, 2 }, output.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Signature_MlpWithSymbolicBatch_ReportsMinusOne()
    {
        using var backend = Load(DemoModels.Mlp([16, 32, 8], seed: 3).Onnx);

        var input = Assert.Single(backend.Signature.Inputs);
        var output = Assert.Single(backend.Signature.Outputs);
        Assert.Equal((DemoModels.MlpInput, DataType.Fp32), (input.Name, input.DataType));
        Assert.Equal(new long[] { -1, 16 }, input.Shape);
        Assert.Equal((DemoModels.MlpOutput, DataType.Fp32), (output.Name, output.DataType));
        Assert.Equal(new long[] { -1, 8 }, output.Shape);
        Assert.Equal(OnnxModelBackend.PlatformName, backend.Platform);
    }

    [Fact]
    public void Signature_TwoInputModel_KeepsDeclarationOrderAndTypes()
    {
        using var backend = Load(DemoModels.TwoInput());

        Assert.Equal(
            [(DemoModels.TwoInputIds, DataType.Int64), (DemoModels.TwoInputValues, DataType.Fp32)],
            backend.Signature.Inputs.Select(i => (i.Name, i.DataType)));
    }

    [Fact]
    public void Signature_NoBatchModel_KeepsFixedDimensions()
    {
        using var backend = Load(DemoModels.NoBatch());

        Assert.Equal(new long[] { 3, 4 }, Assert.Single(backend.Signature.Inputs).Shape);
    }

    [Fact]
    public void Load_GarbageBytes_ThrowsInvalidDataNamingTheFile()
    {
        var file = _repository.AddVersion("garbage", 1, Encoding.ASCII.GetBytes("this is not an onnx model"));

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelBackend.Load(file, OnnxSessionSettings.Default));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithThreadAndOptimizationSettings_RunsTheModel()
    {
        var file = _repository.AddVersion("settings", 1, DemoModels.NoBatch());
        var settings = new OnnxSessionSettings { IntraOpThreads = 1, InterOpThreads = 1, ParallelExecution = true, GraphOptimization = OnnxGraphOptimization.Basic };
        using var backend = OnnxModelBackend.Load(file, settings);
        var x = ReferenceMath.RandomInputs(12, seed: 4);

        var output = Assert.Single(backend.Run([Tensor.FromArray(DemoModels.NoBatchInput, DataType.Fp32, [3, 4], x)], [DemoModels.NoBatchOutput]));

        Assert.Equal(ReferenceMath.DoublePlusOne(x), output.AsSpan<float>().ToArray());
    }

    public void Dispose() => _repository.Dispose();

    private OnnxModelBackend Load(byte[] onnx)
    {
        var file = _repository.AddVersion("m" + Guid.NewGuid().ToString("N"), 1, onnx);
        return OnnxModelBackend.Load(file, OnnxSessionSettings.Default);
    }
}
