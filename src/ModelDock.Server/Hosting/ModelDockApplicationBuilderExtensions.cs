using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Registry;
using ModelDock.Server.Access;
using ModelDock.Server.Admin;
using ModelDock.Server.Admission;
using ModelDock.Server.Grpc;
using ModelDock.Server.Hosting;
using ModelDock.Server.Observability;
using ModelDock.Server.Rest;

namespace Microsoft.AspNetCore.Builder;

/// <summary>The request pipeline and routes of the services <c>AddModelDock</c> registered.</summary>
public static class ModelDockApplicationBuilderExtensions
{
    /// <summary>
    /// OIP error mapping, request decompression and response compression (REST), admission and the request-memory
    /// budget. Call it before <see cref="MapModelDock"/> and before middleware that reads request bodies.
    /// </summary>
    public static IApplicationBuilder UseModelDock(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<RestErrorMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseWhen(context => !GrpcResponses.IsGrpc(context), rest => rest.UseRequestDecoding().UseResponseCompression());
        app.UseRateLimiter();
        app.UseMiddleware<RequestMemoryMiddleware>();
        return app;
    }

    /// <summary>
    /// The Open Inference Protocol over REST (under <c>/v2</c>, with Triton's configuration, repository and statistics
    /// extensions) and gRPC (<c>inference.GRPCInferenceService</c> and <c>grpc.health.v1.Health</c>); with the registry
    /// (<c>AddRegistryEndpoints</c>), the admin API under <c>/api</c> and its OpenAPI document at <c>/openapi/v1.json</c>.
    /// </summary>
    public static ModelDockConventionBuilder MapModelDock(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var rest = endpoints.MapGroup("/v2");
        rest.MapOpenInferenceProtocol(endpoints.ServiceProvider);
        var grpc = endpoints.MapGrpcService<InferenceGrpcService>();
        grpc.RequireModelInferAdmission().RequireAuthorization(AccessPolicies.Inference).Add(endpoint =>
        {
            // The same rules as REST: liveness and readiness are probes without keys, load and unload are changes.
            switch (endpoint.Metadata.OfType<GrpcMethodMetadata>().FirstOrDefault()?.Method.Name)
            {
                case "ServerLive" or "ServerReady":
                    endpoint.Metadata.Add(new AllowAnonymousAttribute());
                    break;
                case "RepositoryModelLoad" or "RepositoryModelUnload":
                    endpoint.Metadata.Add(new AuthorizeAttribute(AccessPolicies.Admin));
                    break;
            }
        });
        var health = endpoints.MapGrpcService<HealthGrpcService>();
        List<IEndpointConventionBuilder> routes = [rest, grpc, health];

        // Scrapers carry no keys, as probes do not; the metrics name models and endpoints, never payloads.
        if (endpoints.ServiceProvider.GetService<TelemetryOptions>() is { Metrics.Enabled: true })
        {
            routes.Add(endpoints.MapPrometheusScrapingEndpoint(ModelDockTelemetryExtensions.MetricsPath).AllowAnonymous());
        }

        if (endpoints.ServiceProvider.GetService<ModelRegistry>() is not null)
        {
            routes.Add(endpoints.MapAdminApi());
            routes.Add(endpoints.MapOpenApi().AllowAnonymous());
        }

        return new ModelDockConventionBuilder(routes);
    }
}
