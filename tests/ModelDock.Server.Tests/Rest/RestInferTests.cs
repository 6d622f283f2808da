using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelDock.Onnx;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Rest;

[Collection(ServerCollection.Name)]
public sealed class RestInferTests
{
    private readonly ServerFixture _server;

    public RestInferTests(ServerFixture server)
    {
        _server = server;
    }

    [Theory]
    [MemberData(nameof(DatatypeCases.All), MemberType = typeof(DatatypeCases))]
    public async Task Infer_NestedJsonOfEveryDatatype_EchoesValues(DataType type)
    {
        var result = await InferIdentityAsync(type, DatatypeCases.NestedJson(type));

        AssertIdentityOutput(type, result);
    }

    [Theory]
    [MemberData(nameof(DatatypeCases.All), MemberType = typeof(DatatypeCases))]
    public async Task Infer_FlatJsonOfEveryDatatype_EchoesValues(DataType type)
    {
        var result = await InferIdentityAsync(type, DatatypeCases.FlatJson(type));

        AssertIdentityOutput(type, result);
    }

    [Theory]
    [MemberData(nameof(DatatypeCases.All), MemberType = typeof(DatatypeCases))]
    public async Task Infer_BinaryDataBothWays_ReturnsSameBytes(DataType type)
    {
        var bytes = DatatypeCases.Bytes(type);
        var json = $$$"""
            {"inputs": [{"name": "input", "datatype": "{{{type.ToWireName()}}}", "shape": [2, 2], "parameters": {"binary_data_size": {{{bytes.Length}}}}}],
             "parameters": {"binary_data_output": true}}
            """;

        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.IdentityName(type)), json, bytes);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var output = result.Output(DemoModels.IdentityOutput);
        Assert.Equal(bytes.Length, output.GetProperty("parameters").GetProperty("binary_data_size").GetInt32());
        Assert.False(output.TryGetProperty("data", out _));
        Assert.Equal(bytes, result.Binary);
    }

    [Fact]
    public async Task Infer_BinaryInputJsonOutput_ReturnsJsonData()
    {
        var bytes = DatatypeCases.Bytes(DataType.Fp32);
        var json = """{"inputs": [{"name": "input", "datatype": "FP32", "shape": [2, 2], "parameters": {"binary_data_size": 16}}]}""";

        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.IdentityName(DataType.Fp32)), json, bytes);

        AssertIdentityOutput(DataType.Fp32, result);
        Assert.Empty(result.Binary);
    }

    [Fact]
    public async Task Infer_PerOutputBinaryFlag_OverridesRequestDefault()
    {
        var json = $$$"""
            {"inputs": [{"name": "input", "datatype": "INT32", "shape": [2, 2], "data": {{{DatatypeCases.FlatJson(DataType.Int32)}}}}],
             "outputs": [{"name": "output", "parameters": {"binary_data": false}}],
             "parameters": {"binary_data_output": true}}
            """;

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.IdentityName(DataType.Int32)), json);

        AssertIdentityOutput(DataType.Int32, result);
        Assert.False(result.Response.Headers.Contains(RestCalls.HeaderLength));
    }

    [Fact]
    public async Task Infer_Mlp_MatchesReferenceMath()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(2 * mlp.InputSize, seed: 11);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 2);
        var data = string.Join(",", input.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var json = $$"""{"id": "req-7", "inputs": [{"name": "input", "shape": [2, {{mlp.InputSize}}], "datatype": "FP32", "data": [{{data}}]}]}""";

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("req-7", result.Json.GetProperty("id").GetString());
        Assert.Equal(ServerFixture.Mlp, result.Json.GetProperty("model_name").GetString());
        Assert.Equal("1", result.Json.GetProperty("model_version").GetString());
        var output = result.Output(DemoModels.MlpOutput);
        Assert.Equal([2L, mlp.OutputSize], RestCalls.Shape(output));
        var actual = RestCalls.Floats(output);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public async Task Infer_ClassificationParameter_AnswersTopClassesPerRow()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(2 * mlp.InputSize, seed: 12);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 2);
        var data = string.Join(",", input.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var json = $$$"""
            {"inputs": [{"name": "input", "shape": [2, {{{mlp.InputSize}}}], "datatype": "FP32", "data": [{{{data}}}]}],
             "outputs": [{"name": "{{{DemoModels.MlpOutput}}}", "parameters": {"classification": 3}}]}
            """;

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var output = result.Output(DemoModels.MlpOutput);
        Assert.Equal("BYTES", output.GetProperty("datatype").GetString());
        Assert.Equal([2L, 3L], RestCalls.Shape(output));
        var classes = output.GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToArray();
        AssertTopClasses(expected, mlp.OutputSize, 3, classes);
    }

    [Fact]
    public async Task Infer_ClassificationOfZero_Returns400NamingTheOutput()
    {
        var zeros = string.Join(",", Enumerable.Repeat("0", _server.MlpModel.InputSize));
        var json = $$$"""
            {"inputs": [{"name": "input", "shape": [1, {{{_server.MlpModel.InputSize}}}], "datatype": "FP32", "data": [{{{zeros}}}]}],
             "outputs": [{"name": "{{{DemoModels.MlpOutput}}}", "parameters": {"classification": 0}}]}
            """;

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);

        result.AssertError(HttpStatusCode.BadRequest, DemoModels.MlpOutput, "classification");
    }

    /// <summary>Each row's classes are its highest values, highest first, as "value:index".</summary>
    internal static void AssertTopClasses(float[] expected, int classesPerRow, int k, IReadOnlyList<string> classes)
    {
        var rows = expected.Length / classesPerRow;
        Assert.Equal(rows * k, classes.Count);
        for (var row = 0; row < rows; row++)
        {
            var values = expected.AsSpan(row * classesPerRow, classesPerRow).ToArray();
            var top = Enumerable.Range(0, classesPerRow).OrderByDescending(i => values[i]).Take(k).ToArray();
            for (var j = 0; j < k; j++)
            {
                var parts = classes[(row * k) + j].Split(':');
                Assert.Equal(top[j], int.Parse(parts[1], CultureInfo.InvariantCulture));
                Assert.Equal(values[top[j]], float.Parse(parts[0], CultureInfo.InvariantCulture), 1e-5f);
            }
        }
    }

    [Fact]
    public async Task Infer_DataBeforeShapeAndDatatype_IsParsed()
    {
        long[] ids = [1, 2, 3, 4, -1, 0, 5, 2];
        float[] values = [0.5f, 1, -2, 0.25f, 3, 9, 0.5f, -1];
        var expected = ReferenceMath.WeightedSum(ids, values, DemoModels.TwoInputWidth);
        var json = $$"""
            {"inputs": [
              {"data": [[1, 2, 3, 4], [-1, 0, 5, 2]], "name": "ids", "shape": [2, 4], "datatype": "INT64"},
              {"name": "values", "data": [0.5, 1, -2, 0.25, 3, 9, 0.5, -1], "datatype": "FP32", "shape": [2, 4]}]}
            """;

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.TwoInput), json);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(expected, RestCalls.Floats(result.Output(DemoModels.TwoInputOutput)));
        Assert.False(result.Json.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Infer_Strings_UpperCasesAscii()
    {
        string[] text = ["hello", "Grüße x"];
        var json = $$"""{"inputs": [{"name": "text", "shape": [2, 1], "datatype": "BYTES", "data": {{JsonSerializer.Serialize(text)}}}]}""";

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Strings), json);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var actual = result.Output(DemoModels.StringsOutput).GetProperty("data").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(text.Select(ReferenceMath.AsciiUpper).ToArray(), actual);
    }

    [Fact]
    public async Task Infer_RawBinaryBody_UsesTheOnlyInputAndAnswersBinary()
    {
        var x = ReferenceMath.RandomInputs(12, seed: 5);
        var body = MemoryMarshal.AsBytes(x.AsSpan()).ToArray();

        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.NoBatch), string.Empty, body);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        var output = result.Output(DemoModels.NoBatchOutput);
        Assert.Equal([3L, 4L], RestCalls.Shape(output));
        Assert.Equal(ReferenceMath.DoublePlusOne(x), MemoryMarshal.Cast<byte, float>(result.Binary).ToArray());
    }

    [Fact]
    public async Task Infer_RawBinaryBodyOnBatchedModel_IsBatchOfOne()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(mlp.InputSize, seed: 3);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 1);

        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.Mlp), string.Empty, MemoryMarshal.AsBytes(input.AsSpan()).ToArray());

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal([1L, mlp.OutputSize], RestCalls.Shape(result.Output(DemoModels.MlpOutput)));
        var actual = MemoryMarshal.Cast<byte, float>(result.Binary).ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public async Task Infer_VersionRoutes_ReachTheNamedVersion()
    {
        var x = ReferenceMath.RandomInputs(12, seed: 9);
        var data = string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var v1 = $$"""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [{{data}}]}]}""";
        var v2 = $$"""{"inputs": [{"name": "input", "shape": [3, 4], "datatype": "FP32", "data": [{{data}}]}]}""";

        var first = await _server.Http.PostJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/1/infer", v1);
        var second = await _server.Http.PostJsonAsync($"/v2/models/{ServerFixture.Versioned}/versions/2/infer", v2);
        var latest = await _server.Http.PostJsonAsync($"/v2/models/{ServerFixture.Versioned}/infer", v2);

        Assert.Equal(ReferenceMath.DoublePlusOne(x), RestCalls.Floats(first.Output(DemoModels.NoBatchOutput)));
        Assert.Equal("1", first.Json.GetProperty("model_version").GetString());
        Assert.Equal(x, RestCalls.Floats(second.Output(DemoModels.IdentityOutput)));
        Assert.Equal("2", latest.Json.GetProperty("model_version").GetString());
    }

    [Fact]
    public async Task Infer_TimeoutParameterOnHeldRequest_Returns504ThenServes()
    {
        _server.SlowGate.Reset();
        try
        {
            var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(""", "parameters": {"timeout": 100000}"""));

            result.AssertError(HttpStatusCode.GatewayTimeout, "timeout");
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty))).Status);
    }

    [Fact]
    public async Task Infer_QueueFull_Returns429ThenServes()
    {
        var pending = new List<Task<RestResult>>();
        RestResult? refused = null;
        _server.SlowGate.Reset();
        try
        {
            for (var i = 0; i < 6 && refused is null; i++)
            {
                var call = _server.Http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty));
                // A refused request answers at once; an admitted one waits behind the closed gate.
                if (await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(1))) == call)
                {
                    refused = await call;
                }
                else
                {
                    pending.Add(call);
                }
            }
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.NotNull(refused);
        refused.AssertError(HttpStatusCode.TooManyRequests, "queue");
        foreach (var admitted in await Task.WhenAll(pending))
        {
            Assert.Equal(HttpStatusCode.OK, admitted.Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty))).Status);
    }

    [Fact]
    public async Task Infer_ClientDisconnects_CancelsTheInferenceOnTheServer()
    {
        var stats = $"/v2/models/{ServerFixture.Slow}/versions/1/stats";
        var failedBefore = FailCount(await _server.Http.GetJsonAsync(stats));
        while (_server.SlowEntered.Wait(0))
        {
            // Forget entries left by earlier requests: only this test's request counts.
        }

        _server.SlowGate.Reset();
        try
        {
            using var cancel = new CancellationTokenSource();
            // With a timeout the request is always queued, never run on its handler's thread, so the handler is free to
            // see the disconnect while the model runs (an idle model runs a request without one on that thread).
            var call = _server.Http.PostAsync(
                InferPath(ServerFixture.Slow), new StringContent(SlowRequest(""", "parameters": {"timeout": 60000000}""")), cancel.Token);
            Assert.True(await _server.SlowEntered.WaitAsync(TimeSpan.FromSeconds(30)), "the request never reached the backend");

            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

            // The server notices the disconnect asynchronously; wait for the failure it records.
            var failed = failedBefore;
            for (var i = 0; i < 300 && failed == failedBefore; i++)
            {
                await Task.Delay(50);
                failed = FailCount(await _server.Http.GetJsonAsync(stats));
            }

            Assert.Equal(failedBefore + 1, failed);
        }
        finally
        {
            _server.SlowGate.Set();
        }

        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync(InferPath(ServerFixture.Slow), SlowRequest(string.Empty))).Status);
    }

    internal static string InferPath(string model) => $"/v2/models/{model}/infer";

    internal static string SlowRequest(string extra) =>
        $$"""{"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}]{{extra}}}""";

    private static ulong FailCount(RestResult stats) =>
        stats.Json.GetProperty("model_stats")[0].GetProperty("inference_stats").GetProperty("fail").GetProperty("count").GetUInt64();

    private Task<RestResult> InferIdentityAsync(DataType type, string data) =>
        _server.Http.PostJsonAsync(
            InferPath(ServerFixture.IdentityName(type)),
            $$"""{"inputs": [{"name": "input", "datatype": "{{type.ToWireName()}}", "shape": [2, 2], "data": {{data}}}]}""");

    private static void AssertIdentityOutput(DataType type, RestResult result)
    {
        Assert.Equal(HttpStatusCode.OK, result.Status);
        var output = result.Output(DemoModels.IdentityOutput);
        Assert.Equal(type.ToWireName(), output.GetProperty("datatype").GetString());
        Assert.Equal([2L, 2L], RestCalls.Shape(output));
        var data = output.GetProperty("data").EnumerateArray().ToArray();
        var expected = DatatypeCases.Values(type);
        Assert.Equal(expected.Length, data.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            DatatypeCases.AssertElement(type, expected[i], data[i]);
        }
    }
}
