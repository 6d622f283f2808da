using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelDock.Onnx;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using Xunit;
using static ModelDock.Server.Tests.Rest.RestInferTests;

namespace ModelDock.Server.Tests.Rest;

/// <summary>HTTP content coding on the REST port, as Triton accepts it: compressed requests, compressed answers on request.</summary>
[Collection(ServerCollection.Name)]
public sealed class RestCompressionTests
{
    private readonly ServerFixture _server;

    public RestCompressionTests(ServerFixture server)
    {
        _server = server;
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Infer_CompressedJsonRequest_IsDecompressedAndAnswered(string encoding)
    {
        var (json, expected) = MlpJson(seed: 41);
        using var request = Post(Compress(Encoding.UTF8.GetBytes(json), encoding), "application/json", encoding);

        var result = await RestCalls.SendAsync(_server.Http, request);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        AssertFloats(expected, RestCalls.Floats(result.Output(DemoModels.MlpOutput)));
    }

    [Fact]
    public async Task Infer_CompressedBinaryRequest_HeaderLengthCountsTheDecompressedBody()
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(mlp.InputSize, seed: 42);
        var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 1);
        var binary = input.SelectMany(BitConverter.GetBytes).ToArray();
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, {{{mlp.InputSize}}}], "parameters": {"binary_data_size": {{{binary.Length}}}}}]}""");
        using var request = Post(Compress([.. header, .. binary], "gzip"), "application/octet-stream", "gzip");
        request.Content!.Headers.Add(RestCalls.HeaderLength, header.Length.ToString(CultureInfo.InvariantCulture));

        var result = await RestCalls.SendAsync(_server.Http, request);

        Assert.Equal(HttpStatusCode.OK, result.Status);
        AssertFloats(expected, RestCalls.Floats(result.Output(DemoModels.MlpOutput)));
    }

    [Fact]
    public async Task Infer_BodyThatIsNotGzip_Returns400AndTheServerKeepsServing()
    {
        var (json, expected) = MlpJson(seed: 43);
        using var broken = Post(Encoding.UTF8.GetBytes(json), "application/json", "gzip");

        var result = await RestCalls.SendAsync(_server.Http, broken);
        var next = await _server.Http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);

        result.AssertError(HttpStatusCode.BadRequest, "Content-Encoding");
        AssertFloats(expected, RestCalls.Floats(next.Output(DemoModels.MlpOutput)));
    }

    [Fact]
    public async Task Infer_BodyThatDecompressesOverTheLimit_Returns413ThenServes()
    {
        await using var host = _server.StartHost(o => o.MaxRequestBodyBytes = 1024);
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        var header = Encoding.UTF8.GetBytes("""{"inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 4096], "parameters": {"binary_data_size": 16384}}]}""");
        var body = Compress([.. header, .. new byte[16384]], "gzip");
        Assert.True(body.Length < 1024, "the compressed body itself must fit the limit");
        using var request = Post(body, "application/octet-stream", "gzip");
        request.Content!.Headers.Add(RestCalls.HeaderLength, header.Length.ToString(CultureInfo.InvariantCulture));
        var (json, expected) = MlpJson(seed: 45);

        var result = await RestCalls.SendAsync(http, request);
        var next = await http.PostJsonAsync(InferPath(ServerFixture.Mlp), json);

        result.AssertError(HttpStatusCode.RequestEntityTooLarge);
        AssertFloats(expected, RestCalls.Floats(next.Output(DemoModels.MlpOutput)));
    }

    [Fact]
    public async Task Infer_ClientAcceptsGzip_AnswerIsGzipped()
    {
        var (json, expected) = MlpJson(seed: 44);
        using var request = new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.Mlp))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));

        using var response = await _server.Http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        using var unzipped = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        var answer = JsonDocument.Parse(unzipped).RootElement;
        var output = answer.GetProperty("outputs").EnumerateArray().Single();
        AssertFloats(expected, RestCalls.Floats(output));
    }

    private (string Json, float[] Expected) MlpJson(int seed)
    {
        var mlp = _server.MlpModel;
        var input = ReferenceMath.RandomInputs(mlp.InputSize, seed);
        var data = string.Join(",", input.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        var json = $$"""{"inputs": [{"name": "input", "shape": [1, {{mlp.InputSize}}], "datatype": "FP32", "data": [{{data}}]}]}""";
        return (json, ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows: 1));
    }

    private static HttpRequestMessage Post(byte[] body, string contentType, string encoding)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        content.Headers.ContentEncoding.Add(encoding);
        return new HttpRequestMessage(HttpMethod.Post, InferPath(ServerFixture.Mlp)) { Content = content };
    }

    private static byte[] Compress(byte[] body, string encoding)
    {
        using var compressed = new MemoryStream();
        using (Stream writer = encoding == "gzip"
            ? new GZipStream(compressed, CompressionLevel.Fastest)
            : new ZLibStream(compressed, CompressionLevel.Fastest))
        {
            writer.Write(body);
        }

        return compressed.ToArray();
    }

    private static void AssertFloats(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }
}
