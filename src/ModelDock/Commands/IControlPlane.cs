using ModelDock.Endpoints;
using ModelDock.Registry;
using ModelDock.Server.Admin;

namespace ModelDock.Cli.Commands;

/// <summary>
/// What the <c>models</c> and <c>endpoints</c> verbs change and read, whether they act on the data folder's stores
/// (<see cref="LocalControlPlane"/>) or through a running server's admin API (<see cref="ServerControlPlane"/>), so a
/// verb prints the same table or JSON either way and fails with the same line and exit code.
/// </summary>
internal interface IControlPlane : IDisposable
{
    Task<ModelVersionInfo> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken);

    /// <summary>Every version folder of a Triton-style model folder, as the next versions.</summary>
    Task<IReadOnlyList<ModelVersionInfo>> RegisterFolderAsync(string folder, RegistrationRequest template, CancellationToken cancellationToken);

    Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken);

    Task<ModelVersionInfo> GetVersionAsync(string model, string versionOrAlias, CancellationToken cancellationToken);

    Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken);

    Task<AliasMove> SetAliasAsync(string model, string alias, long version, CancellationToken cancellationToken);

    Task<AliasMove> RemoveAliasAsync(string model, string alias, CancellationToken cancellationToken);

    Task<IReadOnlyList<AliasMove>> AliasHistoryAsync(string model, CancellationToken cancellationToken);

    Task<EndpointDefinition> CreateEndpointAsync(string endpoint, CancellationToken cancellationToken);

    Task<EndpointDefinition> DeployAsync(string endpoint, string deployment, string modelReference, bool force, CancellationToken cancellationToken);

    Task<EndpointDefinition> RemoveDeploymentAsync(string endpoint, string deployment, CancellationToken cancellationToken);

    Task<EndpointDefinition> SetTrafficAsync(string endpoint, IReadOnlyDictionary<string, int> weights, CancellationToken cancellationToken);

    /// <param name="mirror">Null turns mirroring off.</param>
    Task<EndpointDefinition> SetMirrorAsync(string endpoint, MirrorTraffic? mirror, CancellationToken cancellationToken);

    /// <param name="key"><c>header:NAME</c> or <c>input:NAME</c>; null turns sticky routing off.</param>
    Task<EndpointDefinition> SetStickyKeyAsync(string endpoint, string? key, CancellationToken cancellationToken);

    Task<EndpointDefinition> RollbackAsync(string endpoint, CancellationToken cancellationToken);

    Task<EndpointDefinition> GetEndpointAsync(string endpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<EndpointDefinition>> EndpointHistoryAsync(string endpoint, CancellationToken cancellationToken);

    Task<IReadOnlyList<EndpointDefinition>> ListEndpointsAsync(CancellationToken cancellationToken);

    Task DeleteEndpointAsync(string endpoint, CancellationToken cancellationToken);
}
