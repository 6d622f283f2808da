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
    private readonly BenchModel _model;
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly string _modelName;

    public GrpcTarget(string name, BenchModel model, Uri address, string modelName)
    {
        Name = name;
        _model = model;
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
    }

    public string Name { get; }

    public int RowsPerRequest => 1;

    public async Task VerifyAsync()
    {
        var response = await _client.ModelInferAsync(CreateRequest()).ConfigureAwait(false);
        if (response.RawOutputContents.Count != 1)
        {
            throw new InvalidOperationException($"{Name}: {response.RawOutputContents.Count} raw outputs, expected 1.");
        }

        _model.Check(MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span), Name);
    }

    public IRequestSender CreateSender(int worker) => new Sender(_client, CreateRequest());

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
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
