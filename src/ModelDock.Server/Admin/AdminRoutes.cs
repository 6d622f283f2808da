using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelDock.Registry;
using ModelDock.Server.Access;

namespace ModelDock.Server.Admin;

/// <summary>
/// The admin REST API under <c>/api</c>: the registry, endpoints and API keys, every route behind the admin policy
/// and described in the OpenAPI document. The CLI's <c>--server</c> mode is a client of exactly these routes.
/// </summary>
internal static class AdminRoutes
{
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(AccessPolicies.Admin).WithTags("admin");

        var models = api.MapGroup("/models").WithTags("models");
        models.MapGet(string.Empty, ModelAdminHandlers.ListAsync);
        models.MapGet("/{model}/versions", ModelAdminHandlers.VersionsAsync);
        models.MapGet("/{model}/versions/{version}", ModelAdminHandlers.GetAsync);
        models.MapPost("/{model}/versions", ModelAdminHandlers.RegisterAsync)
            .Produces<ModelVersionInfo>(StatusCodes.Status201Created)
            .DisableAntiforgery();
        models.MapDelete("/{model}/versions/{version}", ModelAdminHandlers.DeleteAsync);
        models.MapGet("/{model}/aliases", ModelAdminHandlers.AliasesAsync);
        models.MapPut("/{model}/aliases/{alias}", ModelAdminHandlers.SetAliasAsync);
        models.MapDelete("/{model}/aliases/{alias}", ModelAdminHandlers.RemoveAliasAsync);

        var endpointRoutes = api.MapGroup("/endpoints").WithTags("endpoints");
        endpointRoutes.MapGet(string.Empty, EndpointAdminHandlers.ListAsync);
        endpointRoutes.MapPost(string.Empty, EndpointAdminHandlers.CreateAsync);
        endpointRoutes.MapGet("/{endpoint}", EndpointAdminHandlers.GetAsync);
        endpointRoutes.MapDelete("/{endpoint}", EndpointAdminHandlers.DeleteAsync);
        endpointRoutes.MapGet("/{endpoint}/history", EndpointAdminHandlers.HistoryAsync);
        endpointRoutes.MapPut("/{endpoint}/deployments/{deployment}", EndpointAdminHandlers.DeployAsync);
        endpointRoutes.MapDelete("/{endpoint}/deployments/{deployment}", EndpointAdminHandlers.UndeployAsync);
        endpointRoutes.MapPut("/{endpoint}/traffic", EndpointAdminHandlers.TrafficAsync);
        endpointRoutes.MapPut("/{endpoint}/mirror", EndpointAdminHandlers.MirrorAsync);
        endpointRoutes.MapPut("/{endpoint}/sticky-key", EndpointAdminHandlers.StickyKeyAsync);
        endpointRoutes.MapPost("/{endpoint}/rollback", EndpointAdminHandlers.RollbackAsync);

        var keys = api.MapGroup("/keys").WithTags("keys");
        keys.MapGet(string.Empty, KeyAdminHandlers.ListAsync);
        keys.MapPost(string.Empty, KeyAdminHandlers.CreateAsync);
        keys.MapDelete("/{id}", KeyAdminHandlers.RevokeAsync);
        return api;
    }
}
