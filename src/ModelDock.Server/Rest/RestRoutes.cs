using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelDock.Observability;
using ModelDock.Server.Access;
using ModelDock.Server.Admission;
using ModelDock.Server.Hosting;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>The Open Inference Protocol REST route table, with Triton's configuration, repository and statistics extensions.</summary>
internal static class RestRoutes
{
    /// <summary>Maps the routes under a <c>/v2</c> group.</summary>
    public static void MapOpenInferenceProtocol(this RouteGroupBuilder v2, IServiceProvider services)
    {
        var inference = services.GetRequiredService<IInferenceService>();
        var control = services.GetRequiredService<IModelRepositoryControl>();
        var health = new HealthHandlers(inference);
        var metadata = new MetadataHandlers(inference);
        var infer = new InferHandler(inference, services.GetRequiredService<IOptions<ModelDockServerOptions>>().Value.MaxRequestBodyBytes, services.GetService<ServingMetrics>());
        var repository = new RepositoryHandlers(control);
        var statistics = new StatisticsHandlers(control);

        // Probes (Kubernetes, load balancers) carry no keys.
        v2.RequireAuthorization(AccessPolicies.Inference);
        v2.MapGet("/health/live", HealthHandlers.LiveAsync).AllowAnonymous();
        v2.MapGet("/health/ready", health.ReadyAsync).AllowAnonymous();
        v2.MapGet(string.Empty, MetadataHandlers.ServerAsync);

        v2.MapGet("/models/stats", statistics.GetAsync);
        v2.MapGet("/models/{model}", metadata.ModelAsync);
        v2.MapGet("/models/{model}/versions/{version}", metadata.ModelAsync);
        v2.MapGet("/models/{model}/config", metadata.ConfigAsync);
        v2.MapGet("/models/{model}/versions/{version}/config", metadata.ConfigAsync);
        v2.MapGet("/models/{model}/ready", health.ModelReadyAsync);
        v2.MapGet("/models/{model}/versions/{version}/ready", health.ModelReadyAsync);
        v2.MapGet("/models/{model}/stats", statistics.GetAsync);
        v2.MapGet("/models/{model}/versions/{version}/stats", statistics.GetAsync);
        v2.MapPost("/models/{model}/infer", infer.InferAsync).RequireInferenceAdmission();
        v2.MapPost("/models/{model}/versions/{version}/infer", infer.InferAsync).RequireInferenceAdmission();

        v2.MapPost("/repository/index", repository.IndexAsync);
        v2.MapPost("/repository/models/{model}/load", repository.LoadAsync).RequireAuthorization(AccessPolicies.Admin);
        v2.MapPost("/repository/models/{model}/unload", repository.UnloadAsync).RequireAuthorization(AccessPolicies.Admin);
    }
}
