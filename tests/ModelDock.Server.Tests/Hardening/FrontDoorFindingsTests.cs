using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Hardening;

/// <summary>
/// Regression tests for what a hostile client did to the front door: each finding answers with a
/// precise 4xx (never a 5xx), logs nothing at error level, and the server keeps serving.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class FrontDoorFindingsTests : IAsyncLifetime
{
    private const string GoodNoBatch = """{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""";

    private readonly ServerFixture _server;
    private readonly CapturingLoggerProvider _logs = new();
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;

    public FrontDoorFindingsTests(ServerFixture server)
    {
        _server = server;
    }

    public async Task InitializeAsync()
    {
        _host = _server.StartHost(_ => { }, _logs);
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Finding1_ShapeLargerThanTheBody_Returns400BeforeAllocatingIt()
    {
        var json = """{"inputs":[{"name":"input","shape":[8388600,64],"datatype":"FP32","data":[0.5]}]}""";
        var allocated = GC.GetTotalAllocatedBytes(precise: true);

        for (var i = 0; i < 20; i++)
        {
            var result = await _http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);
            result.AssertError(HttpStatusCode.BadRequest, "input 'input'", "536870400 elements", "more than a");
        }

        // Each request used to allocate and zero 2 GB; now they cost what their 83 bytes cost.
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - allocated, 0, 64L * 1024 * 1024);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("[8388608,64]", "FP32")]
    [InlineData("[1073741824,1]", "FP16")]
    [InlineData("[1073741824,1]", "BYTES")]
    public async Task Finding3_ShapeOfTwoToTheThirtyOneBytes_Returns400NotOverflow(string shape, string datatype)
    {
        var json = $$"""{"inputs":[{"name":"input","shape":{{shape}},"datatype":"{{datatype}}","data":[1]}]}""";

        var loaded = await _http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);
        var notLoaded = await _http.PostJsonAsync($"/v2/models/{ServerFixture.Mlp}/versions/99/infer", json);

        loaded.AssertError(HttpStatusCode.BadRequest, "more than a");
        Assert.InRange((int)notLoaded.Status, 400, 499);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Finding2_DeclaredContentLengthWithoutTheBytes_AllocatesNothingForIt()
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var connections = new List<System.Net.Sockets.TcpClient>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                connections.Add(await RawHttp.StartRequestAsync(
                    _host.HttpPort,
                    InferPath(ServerFixture.Mlp),
                    ["Content-Type: application/octet-stream", "Inference-Header-Content-Length: 10", "Content-Length: 67108864"],
                    [(byte)'{']));
            }

            // Every connection has declared 64 MiB (6.4 GB in all) and sent one byte; the server reads as bytes come.
            await AssertStillServingAsync();
            Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - allocated, 0, 64L * 1024 * 1024);
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe })]
    [InlineData(new byte[] { 0xc3, 0x28 })]
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 })]
    public async Task Finding3_InvalidUtf8InAJsonString_Returns400NamingTheField(byte[] invalid)
    {
        byte[] body = [.. "{\"id\":\""u8, .. invalid, .. "\",\"inputs\":[{\"name\":\"x\",\"shape\":[3,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6,7,8,9,10,11,12]}]}"u8];

        var result = await PostBytesAsync(InferPath(ServerFixture.NoBatch), body);

        result.AssertError(HttpStatusCode.BadRequest, "'id'");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("""{"id": "\ud800", "inputs": []}""", "'id'")]
    [InlineData("""{"inputs": [{"name": "\udc00", "shape": [1], "datatype": "FP32", "data": [1]}]}""", "inputs[0].name")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "FP\ud83d", "data": [1]}]}""", "inputs[0].datatype")]
    [InlineData("""{"inputs": [], "parameters": {"\ud800": 1}}""", "a key of parameters")]
    [InlineData("""{"inputs": [], "parameters": {"k": "\ud800"}}""", "parameters.k")]
    [InlineData("""{"inputs": [], "outputs": [{"name": "\ud800"}]}""", "outputs[0].name")]
    [InlineData("""{"inputs": [{"name": "text", "shape": [1, 1], "datatype": "BYTES", "data": ["\ud800"]}]}""", "element 0 of BYTES data is not valid text")]
    public async Task Finding3_LoneSurrogateInAJsonString_Returns400NamingTheField(string json, string fragment)
    {
        var result = await _http.PostJsonAsync(InferPath(ServerFixture.Strings), json);

        result.AssertError(HttpStatusCode.BadRequest, fragment);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Finding3_BrotliEncodingOnABodyThatIsNotBrotli_Returns400()
    {
        var content = new ByteArrayContent([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("br");

        var result = await RestCalls.SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch)) { Content = content });

        result.AssertError(HttpStatusCode.BadRequest, "does not decompress");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Finding3_RequestThatDoesNotFitAnUnbatchedModel_Returns400FromTheModel()
    {
        var json = """
            {"inputs": [{"name": "ids", "shape": [2, 4], "datatype": "INT64", "data": [1,2,3,4,5,6,7,8]},
                        {"name": "values", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}
            """;

        var result = await _http.PostJsonAsync(InferPath(ServerFixture.TwoInputUnbatched), json);

        result.AssertError(HttpStatusCode.BadRequest, "the model cannot run on this input");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(new byte[] { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f })]
    [InlineData(new byte[] { 0x0a, 0x05, 0x61 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff })]
    [InlineData(new byte[] { 0x32, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })]
    public async Task Finding3_GrpcMessageThatDoesNotParse_AnswersInvalidArgumentWithoutATrace(byte[] message)
    {
        var (status, detail) = await RawHttp.GrpcCallAsync(_host.GrpcAddress, "/inference.GRPCInferenceService/ModelInfer", message);

        Assert.Equal((int)global::Grpc.Core.StatusCode.InvalidArgument, status);
        Assert.Contains("ModelInferRequest message does not parse", detail, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Finding3_MutatedGrpcMessages_NeverAnswerUnknownOrInternal()
    {
        var valid = new ModelInferRequest { ModelName = ServerFixture.NoBatch };
        valid.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 3, 4 } });
        valid.RawInputContents.Add(ByteString.CopyFrom(new byte[48]));
        var bytes = valid.ToByteArray();
        var random = new Random(20261201);

        for (var i = 0; i < 200; i++)
        {
            var mutated = (byte[])bytes.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            var (status, detail) = await RawHttp.GrpcCallAsync(_host.GrpcAddress, "/inference.GRPCInferenceService/ModelInfer", mutated);

            Assert.True(
                status is not ((int)global::Grpc.Core.StatusCode.Unknown or (int)global::Grpc.Core.StatusCode.Internal),
                $"mutation {i} ({Convert.ToHexString(mutated)}) answered {status}: {detail}");
        }

        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("zstd-unknown")]
    [InlineData("gzip, br")]
    [InlineData("compress")]
    public async Task Finding7_ContentEncodingTheServerCannotDecode_Returns415(string encoding)
    {
        var content = new StringContent(GoodNoBatch, Encoding.UTF8, "application/json");
        content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);

        var result = await RestCalls.SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch)) { Content = content });

        result.AssertError(HttpStatusCode.UnsupportedMediaType, "Content-Encoding", "gzip");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("""{"in\ud800puts": []}""")]
    [InlineData("""{"inputs": [{"\udfffname": "x", "shape": [3, 4], "datatype": "FP32", "data": [1]}]}""")]
    public async Task Fuzz_LoneSurrogateInAPropertyName_Returns400(string json)
    {
        var result = await _http.PostJsonAsync(InferPath(ServerFixture.NoBatch), json);

        result.AssertError(HttpStatusCode.BadRequest, "property name is not valid text");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Fuzz_LoneSurrogateInAPropertyNameOfABinaryRequest_Returns400()
    {
        var header = """{"in\ud800puts": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "parameters": {"binary_data_size": 48}}]}"""u8.ToArray();
        var content = new ByteArrayContent([.. header, .. new byte[48]]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", header.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var result = await RestCalls.SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch)) { Content = content });

        result.AssertError(HttpStatusCode.BadRequest, "property name is not valid text");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("4294967296000")]
    public async Task Fuzz_RestTimeoutBeyondWhatATimerCanWait_MeansNoTimeout(string microseconds)
    {
        var json = GoodNoBatch[..^1] + """, "parameters": {"timeout": """ + microseconds + "}}";

        var result = await _http.PostJsonAsync(InferPath(ServerFixture.NoBatch), json);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(4_294_967_296_000L)]
    public async Task Fuzz_GrpcTimeoutBeyondWhatATimerCanWait_MeansNoTimeout(long microseconds)
    {
        var request = new ModelInferRequest { ModelName = ServerFixture.NoBatch, Parameters = { ["timeout"] = new InferParameter { Int64Param = microseconds } } };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "x", Datatype = "FP32", Shape = { 3, 4 } });
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[48]));

        var (status, detail) = await RawHttp.GrpcCallAsync(_host.GrpcAddress, "/inference.GRPCInferenceService/ModelInfer", request.ToByteArray());

        Assert.True(status == 0, $"grpc-status {status}: {detail}");
        await AssertStillServingAsync();
    }

    /// <summary>Found by the fuzzer: statistics sized an array from a count that a concurrent load changed.</summary>
    [Fact]
    public async Task Fuzz_StatisticsWhileAModelLoadsAndUnloads_AlwaysAnswers()
    {
        var churn = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await _http.PostAsync($"/v2/repository/models/{ServerFixture.Spare}/unload", null);
                await _http.PostAsync($"/v2/repository/models/{ServerFixture.Spare}/load", null);
            }
        });
        var statuses = new List<HttpStatusCode>();
        while (!churn.IsCompleted)
        {
            using var response = await _http.GetAsync("/v2/models/stats");
            statuses.Add(response.StatusCode);
        }

        await churn;
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        await AssertStillServingAsync();
    }

    /// <summary>Also checks that nothing the test sent was logged as a server fault.</summary>
    private async Task AssertStillServingAsync()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch)).Status);
        Assert.Empty(_logs.AtLeast(LogLevel.Error));
    }

    private Task<RestResult> PostBytesAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return RestCalls.SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, path) { Content = content });
    }
}
