using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using ModelDock.Server.Admission;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>The Open Inference Protocol REST route table, with Triton's configuration, repository and statistics extensions.</summary>
internal static class RestRoutes
{
    public static void MapOpenInferenceProtocol(this IEndpointRouteBuilder routes, IModelServer server, long maxRequestBodyBytes)
    {
        var health = new HealthEndpoints(server);
        var metadata = new MetadataEndpoints(server);
        var infer = new InferEndpoint(server, maxRequestBodyBytes);
        var repository = new RepositoryEndpoints(server);
        var statistics = new StatisticsEndpoints(server);

        routes.MapGet("/v2/health/live", HealthEndpoints.LiveAsync);
        routes.MapGet("/v2/health/ready", health.ReadyAsync);
        routes.MapGet("/v2", MetadataEndpoints.ServerAsync);

        routes.MapGet("/v2/models/stats", statistics.GetAsync);
        routes.MapGet("/v2/models/{model}", metadata.ModelAsync);
        routes.MapGet("/v2/models/{model}/versions/{version}", metadata.ModelAsync);
        routes.MapGet("/v2/models/{model}/config", metadata.ConfigAsync);
        routes.MapGet("/v2/models/{model}/versions/{version}/config", metadata.ConfigAsync);
        routes.MapGet("/v2/models/{model}/ready", health.ModelReadyAsync);
        routes.MapGet("/v2/models/{model}/versions/{version}/ready", health.ModelReadyAsync);
        routes.MapGet("/v2/models/{model}/stats", statistics.GetAsync);
        routes.MapGet("/v2/models/{model}/versions/{version}/stats", statistics.GetAsync);
        routes.MapPost("/v2/models/{model}/infer", infer.InferAsync).RequireInferenceAdmission();
        routes.MapPost("/v2/models/{model}/versions/{version}/infer", infer.InferAsync).RequireInferenceAdmission();

        routes.MapPost("/v2/repository/index", repository.IndexAsync);
        routes.MapPost("/v2/repository/models/{model}/load", repository.LoadAsync);
        routes.MapPost("/v2/repository/models/{model}/unload", repository.UnloadAsync);
    }
}
