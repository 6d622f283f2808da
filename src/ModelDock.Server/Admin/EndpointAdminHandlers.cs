using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Serving;

namespace ModelDock.Server.Admin;

/// <summary>
/// <c>/api/endpoints</c>: every change is validated whole by the <see cref="EndpointManager"/>, written as a revision,
/// and applied to this server's routes before the answer, so the caller's next request already sees it. Other
/// replicas pick it up when they next poll the store.
/// </summary>
internal static class EndpointAdminHandlers
{
    public static async Task<IReadOnlyList<EndpointDefinition>> ListAsync(IEndpointStore store, CancellationToken cancellationToken) =>
        await store.ListAsync(cancellationToken);

    public static Task<EndpointDefinition> GetAsync(string endpoint, IEndpointStore store, CancellationToken cancellationToken) =>
        store.GetAsync(endpoint, cancellationToken);

    public static async Task<IReadOnlyList<EndpointDefinition>> HistoryAsync(string endpoint, IEndpointStore store, CancellationToken cancellationToken) =>
        await store.HistoryAsync(endpoint, cancellationToken);

    public static async Task<Created<EndpointDefinition>> CreateAsync(
        CreateEndpointRequest request, EndpointManager endpoints, ServingTable table, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (request?.Name is not { } name)
        {
            throw ModelDockException.InvalidInput("name: the body must be {\"name\": \"ENDPOINT\"}");
        }

        // Clients reach endpoints and folder models through the same name space; an endpoint must not shadow a model.
        if (table.OwnerOf(name) is { } owner and not RegistryModelSource)
        {
            throw new ModelDockException(ErrorKind.Conflict, $"name: the {owner.Name} already serves a model called '{name}'; choose another endpoint name");
        }

        var created = await endpoints.CreateAsync(name, Caller.Name(user), cancellationToken);
        return TypedResults.Created($"/api/endpoints/{created.Name}", created);
    }

    public static Task<EndpointDefinition> DeployAsync(
        string endpoint, string deployment, DeployRequest request, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.DeployAsync(
            endpoint, deployment, request?.Model ?? throw ModelDockException.InvalidInput("model: the body must name MODEL:VERSION or MODEL@ALIAS"), request.Force, Caller.Name(user), cancellationToken), cancellationToken);

    public static Task<EndpointDefinition> UndeployAsync(
        string endpoint, string deployment, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.RemoveDeploymentAsync(endpoint, deployment, Caller.Name(user), cancellationToken), cancellationToken);

    public static Task<EndpointDefinition> TrafficAsync(
        string endpoint, TrafficRequest request, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.SetTrafficAsync(
            endpoint, request?.Weights ?? throw ModelDockException.InvalidInput("weights: the body must be {\"weights\": {\"DEPLOYMENT\": PERCENT, ...}}"), Caller.Name(user), cancellationToken), cancellationToken);

    public static Task<EndpointDefinition> MirrorAsync(
        string endpoint, MirrorRequest request, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.SetMirrorAsync(
            endpoint,
            request is null ? throw ModelDockException.InvalidInput("mirror: the body must be {\"deployment\": NAME, \"percent\": N}")
                : request.Percent == 0 ? null : new MirrorTraffic(request.Deployment ?? throw ModelDockException.InvalidInput("mirror: the body names no deployment"), request.Percent),
            Caller.Name(user),
            cancellationToken), cancellationToken);

    public static Task<EndpointDefinition> StickyKeyAsync(
        string endpoint, StickyKeyRequest request, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.SetStickyKeyAsync(endpoint, request?.Key, Caller.Name(user), cancellationToken), cancellationToken);

    public static Task<EndpointDefinition> RollbackAsync(string endpoint, EndpointManager endpoints, EndpointSync sync, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        ApplyAsync(sync, () => endpoints.RollbackAsync(endpoint, Caller.Name(user), cancellationToken), cancellationToken);

    public static async Task<NoContent> DeleteAsync(string endpoint, IEndpointStore store, EndpointSync sync, CancellationToken cancellationToken)
    {
        await store.DeleteAsync(endpoint, cancellationToken);
        await sync.SyncAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<EndpointDefinition> ApplyAsync(EndpointSync sync, Func<Task<EndpointDefinition>> change, CancellationToken cancellationToken)
    {
        var changed = await change();
        await sync.SyncAsync(cancellationToken);
        return changed;
    }
}
