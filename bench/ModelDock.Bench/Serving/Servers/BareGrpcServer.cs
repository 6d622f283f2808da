using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// The gRPC transport limit: Kestrel's HTTP/2 and Grpc.AspNetCore with the same service definition,
/// the request message parsed by protobuf and its raw input read, and a constant response of the size
/// a real one has. No model, no validation, no batching.
/// </summary>
internal static class BareGrpcServer
{
    public static WebApplication Build(BenchModel model, int port)
    {
        var builder = TargetHost.CreateBuilder(port, HttpProtocols.Http2);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new ConstantInferenceService(model));
        var app = builder.Build();
        app.MapGrpcService<ConstantInferenceService>();
        return app;
    }

    private sealed class ConstantInferenceService : GRPCInferenceService.GRPCInferenceServiceBase
    {
        private readonly int _inputBytes;
        private readonly ModelInferResponse _response;

        public ConstantInferenceService(BenchModel model)
        {
            _inputBytes = model.InputWidth * sizeof(float);
            _response = new ModelInferResponse { ModelName = model.Name, ModelVersion = "1" };
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = model.OutputName, Datatype = "FP32" };
            output.Shape.Add([1, model.OutputWidth]);
            _response.Outputs.Add(output);
            _response.RawOutputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(model.ExpectedOutput.AsSpan())));
        }

        public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
        {
            if (request.RawInputContents.Count != 1 || request.RawInputContents[0].Length != _inputBytes)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "expected one raw input row"));
            }

            return Task.FromResult(_response);
        }
    }
}
