using System.Globalization;
using System.Threading.RateLimiting;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelDock.Errors;
using ModelDock.Server.Grpc;
using ModelDock.Server.Hosting;
using ModelDock.Server.Rest;

namespace ModelDock.Server.Admission;

/// <summary>
/// Admission for inference: at most <c>MaxConcurrentInferences</c> requests are read, parsed and run
/// at once; the next <c>MaxQueuedInferences</c> wait, oldest first, before a byte of their bodies is
/// read, and any beyond that are refused at once (429 / RESOURCE_EXHAUSTED). Under overload the server
/// so spends its time on requests it will answer instead of parsing requests it must then drop, and a
/// waiting request costs a connection, not a parsed tensor. Health, metadata and repository calls are
/// never held back.
/// </summary>
internal static class InferenceAdmission
{
    public const string PolicyName = "modeldock-inference";

    /// <summary>Adds the admission policy, sized by <see cref="ModelDockServerOptions"/> when the options are first read.</summary>
    public static IServiceCollection AddInferenceAdmission(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ModelDockServerOptions>>((limiter, server) =>
        {
            var (maxConcurrent, maxQueued) = (server.Value.MaxConcurrentInferences, server.Value.MaxQueuedInferences);
            var options = new ConcurrencyLimiterOptions
            {
                PermitLimit = maxConcurrent,
                QueueLimit = maxQueued,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            };
            limiter.AddPolicy(PolicyName, _ => RateLimitPartition.GetConcurrencyLimiter(PolicyName, _ => options));
            limiter.OnRejected = (rejected, _) => RefuseAsync(rejected.HttpContext, maxConcurrent, maxQueued);
        });
        return services;
    }

    /// <summary>Puts the REST inference routes behind admission.</summary>
    public static TBuilder RequireInferenceAdmission<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PolicyName);

    /// <summary>Puts unary gRPC <c>ModelInfer</c> behind admission; a stream holds no permit, it bounds its own requests.</summary>
    public static TBuilder RequireModelInferAdmission<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().Any(m => m.Method.Name == "ModelInfer"))
            {
                endpoint.Metadata.Add(new EnableRateLimitingAttribute(PolicyName));
            }
        });
        return builder;
    }

    private static ValueTask RefuseAsync(HttpContext context, int maxConcurrent, int maxQueued)
    {
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"the server is at its inference limit ({maxConcurrent} running, {maxQueued} waiting; --max-concurrent-inferences, --max-queued-inferences); retry later");
        context.Response.Headers.RetryAfter = "1";
        RefusedInferences.Record(context, ErrorKind.QueueFull);
        return new ValueTask(GrpcResponses.IsGrpc(context)
            ? GrpcResponses.WriteErrorAsync(context, StatusCode.ResourceExhausted, message)
            : JsonResponses.WriteErrorAsync(context, ErrorKind.QueueFull, message));
    }
}
