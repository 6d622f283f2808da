using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Server.Grpc;
using ModelDock.Server.Rest;

namespace ModelDock.Server.Admission;

/// <summary>
/// Counts inference calls the server turned away before reading them (admission full, request memory budget spent)
/// in <c>modeldock_inference_requests_total</c>, so the request count and error ratio see the load that was shed.
/// </summary>
internal static class RefusedInferences
{
    public static void Record(HttpContext context, ErrorKind kind)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName != InferenceAdmission.PolicyName
            || context.RequestServices.GetService<ServingMetrics>() is not { } metrics)
        {
            return;
        }

        // A gRPC call names its model inside the body, which is not read.
        var grpc = GrpcResponses.IsGrpc(context);
        metrics.RecordRefused(grpc ? InferenceProtocol.Grpc : InferenceProtocol.Rest, grpc ? null : RouteValues.Model(context), kind);
    }
}
