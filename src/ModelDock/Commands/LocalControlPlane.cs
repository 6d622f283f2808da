using ModelDock.Endpoints;
using ModelDock.Registry;
using ModelDock.Server.Admin;

namespace ModelDock.Cli.Commands;

/// <summary>
/// The data folder's stores (or the shared PostgreSQL and Blob Storage they are configured to use). Changes are recorded
/// as made by the operating-system user; a running <c>serve</c> on the same stores picks them up within its poll interval.
/// </summary>
internal sealed class LocalControlPlane(RegistryStorage storage) : IControlPlane
{
    private static string By => Environment.UserName;

    private ModelRegistry Registry => storage.Registry;

    private EndpointManager Endpoints => storage.Manager;

    public Task<ModelVersionInfo> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken) =>
        Registry.RegisterAsync(request, cancellationToken);

    public Task<IReadOnlyList<ModelVersionInfo>> RegisterFolderAsync(string folder, RegistrationRequest template, CancellationToken cancellationToken) =>
        Registry.RegisterFolderAsync(folder, template, cancellationToken);

    public async Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken)
    {
        var models = new List<ModelSummary>();
        foreach (var model in await Registry.Store.ListModelsAsync(cancellationToken))
        {
            var versions = await Registry.Store.ListVersionsAsync(model, cancellationToken);
            models.Add(new ModelSummary(model, [.. versions.Select(v => v.Version)], await Registry.Store.GetAliasesAsync(model, cancellationToken)));
        }

        return models;
    }

    public Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken) =>
        Registry.Store.ListVersionsAsync(model, cancellationToken);

    public Task<ModelVersionInfo> GetVersionAsync(string model, string versionOrAlias, CancellationToken cancellationToken) =>
        Registry.GetAsync(model, versionOrAlias, cancellationToken);

    public Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken) =>
        Endpoints.DeleteVersionAsync(model, version, cancellationToken);

    public Task<AliasMove> SetAliasAsync(string model, string alias, long version, CancellationToken cancellationToken) =>
        Registry.SetAliasAsync(model, alias, version, By, cancellationToken);

    public Task<AliasMove> RemoveAliasAsync(string model, string alias, CancellationToken cancellationToken) =>
        Registry.RemoveAliasAsync(model, alias, By, cancellationToken);

    public Task<IReadOnlyList<AliasMove>> AliasHistoryAsync(string model, CancellationToken cancellationToken) =>
        Registry.Store.GetAliasHistoryAsync(model, cancellationToken);

    public Task<EndpointDefinition> CreateEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        Endpoints.CreateAsync(endpoint, By, cancellationToken);

    public Task<EndpointDefinition> DeployAsync(string endpoint, string deployment, string modelReference, bool force, CancellationToken cancellationToken) =>
        Endpoints.DeployAsync(endpoint, deployment, modelReference, force, By, cancellationToken);

    public Task<EndpointDefinition> RemoveDeploymentAsync(string endpoint, string deployment, CancellationToken cancellationToken) =>
        Endpoints.RemoveDeploymentAsync(endpoint, deployment, By, cancellationToken);

    public Task<EndpointDefinition> SetTrafficAsync(string endpoint, IReadOnlyDictionary<string, int> weights, CancellationToken cancellationToken) =>
        Endpoints.SetTrafficAsync(endpoint, weights, By, cancellationToken);

    public Task<EndpointDefinition> SetMirrorAsync(string endpoint, MirrorTraffic? mirror, CancellationToken cancellationToken) =>
        Endpoints.SetMirrorAsync(endpoint, mirror, By, cancellationToken);

    public Task<EndpointDefinition> SetStickyKeyAsync(string endpoint, string? key, CancellationToken cancellationToken) =>
        Endpoints.SetStickyKeyAsync(endpoint, key, By, cancellationToken);

    public Task<EndpointDefinition> RollbackAsync(string endpoint, CancellationToken cancellationToken) =>
        Endpoints.RollbackAsync(endpoint, By, cancellationToken);

    public Task<EndpointDefinition> GetEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        storage.Endpoints.GetAsync(endpoint, cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> EndpointHistoryAsync(string endpoint, CancellationToken cancellationToken) =>
        storage.Endpoints.HistoryAsync(endpoint, cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> ListEndpointsAsync(CancellationToken cancellationToken) =>
        storage.Endpoints.ListAsync(cancellationToken);

    public Task DeleteEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        storage.Endpoints.DeleteAsync(endpoint, cancellationToken);

    public void Dispose() => storage.Dispose();
}
