using System.Text;
using ModelDock.Errors;
using ModelDock.Server.Rest;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Server.Tests.Rest;

public sealed class InferRequestParserTests
{
    [Fact]
    public void Parse_Fp16AndBf16FromNumbers_EncodesLittleEndianBits()
    {
        var request = Parse("""
            {"inputs": [{"name": "h", "datatype": "FP16", "shape": [2], "data": [1.5, -2]},
                        {"name": "b", "datatype": "BF16", "shape": [2], "data": [1.5, -2]}]}
            """);

        Assert.Equal([(Half)1.5, (Half)(-2)], request.Request.Inputs[0].AsSpan<Half>().ToArray());
        // bf16 keeps the upper half of the IEEE single: 1.5f = 0x3FC00000, -2f = 0xC0000000.
        Assert.Equal(new ushort[] { 0x3FC0, 0xC000 }, request.Request.Inputs[1].AsSpan<ushort>().ToArray());
    }

    [Fact]
    public void Parse_NonFiniteStrings_AreAcceptedForFloats()
    {
        var request = Parse("""{"inputs": [{"name": "f", "datatype": "FP64", "shape": [3], "data": ["NaN", "Infinity", "-Infinity"]}]}""");

        Assert.Equal([double.NaN, double.PositiveInfinity, double.NegativeInfinity], request.Request.Inputs[0].AsSpan<double>().ToArray());
    }

    [Fact]
    public void Parse_Parameters_SetTimeoutBinaryDefaultAndPassThrough()
    {
        var request = Parse("""
            {"inputs": [], "outputs": [{"name": "o", "parameters": {"binary_data": true}}],
             "parameters": {"timeout": 2500, "binary_data_output": false, "custom": "v", "ratio": 0.5}}
            """);

        Assert.Equal(TimeSpan.FromMicroseconds(2500), request.Request.Timeout);
        Assert.False(request.BinaryOutputs);
        Assert.Equal(true, request.Request.Outputs.Single().Binary);
        Assert.Equal("v", request.Request.Parameters["custom"]);
        Assert.Equal(0.5, request.Request.Parameters["ratio"]);
    }

    [Fact]
    public void Parse_DeeplyMixedNesting_IsFlattenedInRowMajorOrder()
    {
        var request = Parse("""{"inputs": [{"name": "x", "datatype": "INT16", "shape": [2, 3], "data": [[1, 2, 3], [4, [5, 6]]]}]}""");

        Assert.Equal(new short[] { 1, 2, 3, 4, 5, 6 }, request.Request.Inputs[0].AsSpan<short>().ToArray());
    }

    [Fact]
    public void Parse_TooManyElements_SaysHowMany()
    {
        var error = Assert.Throws<ModelDockException>(() =>
            Parse("""{"inputs": [{"name": "x", "datatype": "INT32", "shape": [2], "data": [1, 2, 3]}]}"""));

        Assert.Equal("input 'x': data has 3 elements but shape [2] needs 2", error.Message);
    }

    [Fact]
    public void Parse_BinaryBytesInput_ReadsLengthPrefixedElements()
    {
        var json = """{"inputs": [{"name": "s", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": 11}}]}""";
        byte[] binary = [2, 0, 0, 0, (byte)'h', (byte)'i', 1, 0, 0, 0, (byte)'!'];
        var header = Encoding.UTF8.GetBytes(json);

        var request = InferRequestParser.Parse("m", null, (byte[])[.. header, .. binary], header.Length);

        Assert.Equal(["hi", "!"], request.Request.Inputs[0].BytesElements!.Select(Encoding.UTF8.GetString).ToArray());
    }

    [Fact]
    public void Parse_LeftoverBinaryBytes_AreRefused()
    {
        var header = Encoding.UTF8.GetBytes("""{"inputs": []}""");

        var error = Assert.Throws<ModelDockException>(() => InferRequestParser.Parse("m", null, (byte[])[.. header, 1, 2], header.Length));

        Assert.Contains("2 bytes of binary data follow the JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRaw_TwoVariableDimensions_IsRefused()
    {
        var spec = new TensorSpec("x", DataType.Fp32, [-1, -1]);

        var error = Assert.Throws<ModelDockException>(() => InferRequestParser.ParseRaw("m", null, new byte[16], spec, batched: false));

        Assert.Contains("more than one variable dimension", error.Message, StringComparison.Ordinal);
    }

    private static RestInferRequest Parse(string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        return InferRequestParser.Parse("m", null, body, body.Length);
    }
}
