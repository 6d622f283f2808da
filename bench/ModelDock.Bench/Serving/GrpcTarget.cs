using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Net.Client;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Bench.Serving;

/// <summary>
/// ModelDock's gRPC endpoint with tensors in <c>raw_input_contents</c>. Several HTTP/2 connections are
/// allowed so a high concurrency is not capped by one connection's stream limit.
/// </summary>
internal sealed class GrpcTarget : IBenchTarget
{
    private const string MethodPath = "inference.GRPCInferenceService/ModelInfer";

    /// <summary>A gRPC message on the wire: a compressed flag byte and a 4-byte big-endian length.</summary>
    private const int FramePrefixLength = 5;

    private readonly BenchModel _model;
    private readonly Uri _address;
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly string _modelName;
    private readonly byte[] _frame;
    private long _responseBytes;

    public GrpcTarget(string name, BenchModel model, Uri address, string modelName)
    {
        Name = name;
        _model = model;
        _address = address;
        _modelName = modelName;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                UseProxy = false,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            },
        });
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        _frame = Frame(CreateRequest());
    }

    public string Name { get; }

    public int RowsPerRequest => 1;

    public async Task VerifyAsync()
    {
        var response = await _client.ModelInferAsync(CreateRequest()).ConfigureAwait(false);
        CheckResponse(response);
        await VerifyFrameAsync().ConfigureAwait(false);
    }

    public IRequestSender CreateSender(int worker) => new Sender(_client, CreateRequest());

    public HttpLoad DescribeHttpLoad() =>
        new(new Uri(_address, MethodPath), Http2: true, ["content-type: application/grpc", "te: trailers"], _frame, _responseBytes);

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends the exact pre-encoded frame an external load generator will send, over plain HTTP/2, and
    /// checks the answer's status trailer and outputs: a load generator sees only the HTTP status, and a
    /// gRPC error is HTTP 200 too.
    /// </summary>
    private async Task VerifyFrameAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var content = new ByteArrayContent(_frame);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, MethodPath))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var values) ? values.First() : "missing";
        if (status != "0" || body.Length < FramePrefixLength)
        {
            throw new InvalidOperationException($"{Name}: the pre-encoded request got grpc-status {status} and {body.Length} body bytes.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1));
        CheckResponse(ModelInferResponse.Parser.ParseFrom(body, FramePrefixLength, length));
        _responseBytes = body.Length;
    }

    private void CheckResponse(ModelInferResponse response)
    {
        if (response.RawOutputContents.Count != 1)
        {
            throw new InvalidOperationException($"{Name}: {response.RawOutputContents.Count} raw outputs, expected 1.");
        }

        _model.Check(MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span), Name);
    }

    private static byte[] Frame(ModelInferRequest request)
    {
        var message = request.ToByteArray();
        var frame = new byte[FramePrefixLength + message.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), message.Length);
        message.CopyTo(frame, FramePrefixLength);
        return frame;
    }

    private ModelInferRequest CreateRequest()
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = _model.InputName, Datatype = "FP32" };
        input.Shape.Add([1, _model.InputWidth]);
        var request = new ModelInferRequest { ModelName = _modelName };
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(_model.Row.AsSpan())));
        return request;
    }

    private sealed class Sender(GRPCInferenceService.GRPCInferenceServiceClient client, ModelInferRequest request) : IRequestSender
    {
        public async ValueTask<bool> SendAsync()
        {
            var response = await client.ModelInferAsync(request).ConfigureAwait(false);
            return response.RawOutputContents.Count == 1;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
