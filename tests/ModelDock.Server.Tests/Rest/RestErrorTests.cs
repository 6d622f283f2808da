using System.Net;
using System.Text;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Rest;

/// <summary>Every client mistake gets its status and a message naming the problem; the next request is served.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestErrorTests
{
    private const string GoodNoBatch = """{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""";

    private readonly ServerFixture _server;

    public RestErrorTests(ServerFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData("""{"inputs": [{"name": "x",, }]}""", "BytePositionInLine")]
    [InlineData("""{"inputs": [""", "malformed JSON")]
    [InlineData("""{"inputs": []} trailing""", "malformed JSON")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"id": 5, "inputs": []}""", "'id' must be a string")]
    [InlineData("""{"inputs": [{"shape": [1], "datatype": "FP32", "data": [1]}]}""", "inputs[0] has no 'name'")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "FP99", "data": [1]}]}""", "unknown datatype 'FP99'")]
    [InlineData("""{"inputs": [{"name": "x", "shape": "3", "datatype": "FP32", "data": [1]}]}""", "inputs[0].shape")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32"}]}""", "input 'x' has neither 'data'")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1, 2]}]}""", "input 'x': data has 2 elements but shape [3,4] needs 12")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1, "a"]}]}""", "input 'x': element 1 of FP32 data must be a number")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "INT8", "data": [128]}]}""", "input 'x': element 0 of INT8 data must be an integer between -128 and 127")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "UINT8", "data": [-1]}]}""", "between 0 and 255")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "INT32", "data": [1.5]}]}""", "element 0 of INT32 data")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [1], "datatype": "BOOL", "data": [1]}]}""", "must be true or false")]
    [InlineData("""{"inputs": [], "parameters": {"timeout": "soon"}}""", "parameters.timeout must be an integer")]
    [InlineData("""{"inputs": [{"name": "y", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""", "input 'y' is not an input of model 'no_batch'")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "INT32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""", "input 'x' has datatype INT32 but the model expects FP32")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [4, 3], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}]}""", "input 'x' has shape [4,3]")]
    [InlineData("""{"inputs": []}""", "input 'x' of model 'no_batch' is missing")]
    [InlineData("""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4,5,6,7,8,9,10,11,12]}], "outputs": [{"name": "z"}]}""", "requested output 'z' is not an output")]
    public async Task Infer_ClientMistake_Returns400NamingTheProblemThenServes(string json, string fragment)
    {
        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.NoBatch), json);

        result.AssertError(HttpStatusCode.BadRequest, fragment);
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch)).Status);
    }

    [Fact]
    public async Task Infer_MissingInputOfTwo_Returns400NamingIt()
    {
        var json = """{"inputs": [{"name": "ids", "shape": [1, 4], "datatype": "INT64", "data": [1, 2, 3, 4]}]}""";

        var result = await _server.Http.PostJsonAsync(InferPath(ServerFixture.TwoInput), json);

        result.AssertError(HttpStatusCode.BadRequest, "input 'values'", "missing");
    }

    [Theory]
    [InlineData(100, "binary_data_size 100 exceeds")]
    [InlineData(8, "binary_data_size 8 does not match shape [3,4] of FP32 (48 bytes)")]
    public async Task Infer_BadBinaryDataSize_Returns400(int declared, string fragment)
    {
        var json = $$$"""{"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "parameters": {"binary_data_size": {{{declared}}}}}]}""";

        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.NoBatch), json, new byte[48 - (declared == 8 ? 40 : 0)]);

        result.AssertError(HttpStatusCode.BadRequest, fragment);
    }

    [Fact]
    public async Task Infer_HeaderLengthBeyondBody_Returns400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch)) { Content = new StringContent("{}") };
        request.Content.Headers.Add(RestCalls.HeaderLength, "999");

        var result = await RestCalls.SendAsync(_server.Http, request);

        result.AssertError(HttpStatusCode.BadRequest, "Inference-Header-Content-Length is 999");
    }

    [Fact]
    public async Task Infer_RawBodyForTwoInputModel_Returns400()
    {
        var result = await _server.Http.PostBinaryAsync(InferPath(ServerFixture.TwoInput), string.Empty, new byte[16]);

        result.AssertError(HttpStatusCode.BadRequest, "exactly one input");
    }

    [Fact]
    public async Task Infer_UnknownModel_Returns404()
    {
        var result = await _server.Http.PostJsonAsync(InferPath("nope"), GoodNoBatch);

        result.AssertError(HttpStatusCode.NotFound, "model 'nope'");
    }

    [Fact]
    public async Task Infer_UnknownVersion_Returns404()
    {
        var result = await _server.Http.PostJsonAsync($"/v2/models/{ServerFixture.NoBatch}/versions/7/infer", GoodNoBatch);

        result.AssertError(HttpStatusCode.NotFound, "version '7'");
    }

    [Fact]
    public async Task Infer_BodyOverLimit_Returns413WithErrorBodyThenServes()
    {
        await using var host = _server.StartHost(o => o.MaxRequestBodyBytes = 1024);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var padding = new string(' ', 2048);

        var declared = await http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch + padding);
        var chunked = await RestCalls.SendAsync(http, new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.NoBatch))
        {
            Content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(GoodNoBatch + padding))),
        });

        declared.AssertError(HttpStatusCode.RequestEntityTooLarge, "1024");
        Assert.True(declared.Response.Headers.ConnectionClose);
        chunked.AssertError(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(HttpStatusCode.OK, (await http.PostJsonAsync(InferPath(ServerFixture.NoBatch), GoodNoBatch)).Status);
    }

    /// <summary>Hides the length so HttpClient sends the body chunked and only Kestrel's limit can stop it.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
