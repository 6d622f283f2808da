using Microsoft.AspNetCore.Http;
using ModelDock.Observability;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>What ModelDock traces, for whichever tracer provider the host turns on.</summary>
public static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// Adds ModelDock's spans (<see cref="ModelDockActivitySource.Name"/>) and one server span per REST or gRPC request,
    /// which continues the caller's W3C <c>traceparent</c>, to the tracer provider of the service collection. It turns
    /// nothing on: tracing starts when the host adds one with an exporter
    /// (<c>services.AddOpenTelemetry().WithTracing(t => t.AddOtlpExporter())</c>); until then nothing listens and
    /// nothing is recorded. Health probes are not traced.
    /// </summary>
    public static IServiceCollection AddModelDockTracing(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(ModelDockActivitySource.Name)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path)));
        return services;
    }

    /// <summary>Liveness and readiness checks, polled every few seconds by orchestrators: a trace each would bury the requests.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/v2/health", StringComparison.Ordinal)
        || path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
        || path.Equals("/inference.GRPCInferenceService/ServerLive", StringComparison.Ordinal)
        || path.Equals("/inference.GRPCInferenceService/ServerReady", StringComparison.Ordinal);
}
