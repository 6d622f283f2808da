using Grpc.Core;
using ModelDock.Server.Grpc.Health;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Serving;

namespace ModelDock.Server.Grpc;

/// <summary><c>grpc.health.v1.Health/Check</c> for load balancers and Kubernetes gRPC probes.</summary>
internal sealed class HealthGrpcService : Health.Health.HealthBase
{
    private readonly IInferenceService _server;

    public HealthGrpcService(IInferenceService server)
    {
        _server = server;
    }

    public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        // "" is the whole server; the inference service is the only named one.
        if (request.Service.Length > 0 && request.Service != GRPCInferenceService.Descriptor.FullName)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"unknown service '{request.Service}'"));
        }

        return Task.FromResult(new HealthCheckResponse
        {
            Status = _server.IsReady ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing,
        });
    }
}
