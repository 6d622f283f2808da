using Microsoft.ML.OnnxRuntime;
using ModelDock.Onnx;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

public sealed class IdentityModelTests
{
    [Fact]
    public void Identity_Bool_RoundTrips() => AssertRoundTrip(DataType.Bool, [true, false, false, true, true, false]);

    [Fact]
    public void Identity_UInt8_RoundTrips() => AssertRoundTrip(DataType.UInt8, new byte[] { 0, 1, 127, 128, 254, 255 });

    [Fact]
    public void Identity_UInt16_RoundTrips() => AssertRoundTrip(DataType.UInt16, new ushort[] { 0, 1, 300, 32768, 65534, 65535 });

    [Fact]
    public void Identity_UInt32_RoundTrips() => AssertRoundTrip(DataType.UInt32, new uint[] { 0, 1, 70000, 2147483648, 4294967294, uint.MaxValue });

    [Fact]
    public void Identity_UInt64_RoundTrips() => AssertRoundTrip(DataType.UInt64, new ulong[] { 0, 1, 1UL << 40, 1UL << 63, ulong.MaxValue - 1, ulong.MaxValue });

    [Fact]
    public void Identity_Int8_RoundTrips() => AssertRoundTrip(DataType.Int8, new sbyte[] { sbyte.MinValue, -1, 0, 1, 100, sbyte.MaxValue });

    [Fact]
    public void Identity_Int16_RoundTrips() => AssertRoundTrip(DataType.Int16, new short[] { short.MinValue, -300, 0, 1, 300, short.MaxValue });

    [Fact]
    public void Identity_Int32_RoundTrips() => AssertRoundTrip(DataType.Int32, [int.MinValue, -70000, 0, 1, 70000, int.MaxValue]);

    [Fact]
    public void Identity_Int64_RoundTrips() => AssertRoundTrip(DataType.Int64, [long.MinValue, -(1L << 40), 0, 1, 1L << 40, long.MaxValue]);

    [Fact]
    public void Identity_Fp16_RoundTrips() =>
        AssertRoundTrip(DataType.Fp16, new[] { -2.5f, -1f, 0f, 0.5f, 1f, 65504f }.Select(v => (Float16)v).ToArray());

    [Fact]
    public void Identity_Bf16_RoundTrips() =>
        AssertRoundTrip(DataType.Bf16, new[] { -2.5f, -1f, 0f, 0.5f, 1f, 3.0e38f }.Select(v => (BFloat16)v).ToArray());

    [Fact]
    public void Identity_Fp32_RoundTrips() => AssertRoundTrip(DataType.Fp32, [float.MinValue, -1.5f, 0f, float.Epsilon, 3.25f, float.MaxValue]);

    [Fact]
    public void Identity_Fp64_RoundTrips() => AssertRoundTrip(DataType.Fp64, [double.MinValue, -1.5, 0, double.Epsilon, Math.PI, double.MaxValue]);

    [Fact]
    public void Identity_Bytes_RoundTrips()
    {
        string[] values = ["", "a", "hello world", "ünïcödé", "tab\there", "last"];
        var input = OrtValue.CreateFromStringTensor(new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<string>(values, [2, 3]));

        using var run = OrtTestRunner.Run(DemoModels.Identity(DataType.Bytes), (DemoModels.IdentityInput, input));

        var output = run.Outputs[0];
        Assert.Equal([2L, 3L], output.GetTensorTypeAndShape().Shape);
        Assert.Equal(values, output.GetStringTensorAsArray());
    }

    [Fact]
    public void Identity_EveryDataType_DeclaresThatTypeWithTwoVariableDimensions()
    {
        foreach (var dataType in Enum.GetValues<DataType>())
        {
            using var session = new InferenceSession(DemoModels.Identity(dataType));

            var input = session.InputMetadata[DemoModels.IdentityInput];
            Assert.Equal([-1, -1], input.Dimensions);
            Assert.Equal(["batch", "dim1"], input.SymbolicDimensions);
            Assert.Equal(input.ElementDataType, session.OutputMetadata[DemoModels.IdentityOutput].ElementDataType);
        }
    }

    private static void AssertRoundTrip<T>(DataType dataType, T[] values)
        where T : unmanaged
    {
        using var run = OrtTestRunner.Run(
            DemoModels.Identity(dataType),
            (DemoModels.IdentityInput, OrtValue.CreateTensorValueFromMemory(values, [2, 3])));

        var output = run.Outputs[0];
        Assert.Equal([2L, 3L], output.GetTensorTypeAndShape().Shape);
        Assert.Equal(values, output.GetTensorDataAsSpan<T>().ToArray());
    }
}
