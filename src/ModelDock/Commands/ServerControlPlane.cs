using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Server.Admin;
using static ModelDock.Cli.Commands.AdminApiClient;

namespace ModelDock.Cli.Commands;

/// <summary>
/// A running server's admin API (<c>AdminRoutes</c>): the server validates and applies each change to its routes before
/// answering, and records it as made by the API key's name. The request and answer bodies are the server's own records.
/// </summary>
internal sealed class ServerControlPlane(AdminApiClient api) : IControlPlane
{
    public async Task<ModelVersionInfo> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StreamContent(OpenUpload(request.ModelFile, "model file")), "model", Path.GetFileName(request.ModelFile));
        if (request.ConfigFile is { } config)
        {
            // The server reads the config as YAML or JSON by the uploaded file's extension, as the registry does locally.
            form.Add(new StreamContent(OpenUpload(config, "config file")), "config", Path.GetFileName(config));
        }

        var metadata = new RegistrationMetadata(request.Description, request.Tags.ToDictionary(), request.Metrics.ToDictionary(), request.Lineage.ToDictionary());
        form.Add(new StringContent(JsonSerializer.Serialize(metadata, JsonSerializerOptions.Web), Encoding.UTF8, "application/json"), "metadata");
        return await api.PostAsync<ModelVersionInfo>($"api/models/{Segment(request.Model)}/versions", form, cancellationToken);
    }

    public Task<IReadOnlyList<ModelVersionInfo>> RegisterFolderAsync(string folder, RegistrationRequest template, CancellationToken cancellationToken) =>
        throw new CommandFailedException(
            ExitCodes.Usage, "--folder is not sent to a server: the admin API takes one version per upload; register each version with --file (and --config) instead");

    public Task<IReadOnlyList<ModelSummary>> ListModelsAsync(CancellationToken cancellationToken) =>
        api.GetAsync<IReadOnlyList<ModelSummary>>("api/models", cancellationToken);

    public Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken) =>
        api.GetAsync<IReadOnlyList<ModelVersionInfo>>($"api/models/{Segment(model)}/versions", cancellationToken);

    public Task<ModelVersionInfo> GetVersionAsync(string model, string versionOrAlias, CancellationToken cancellationToken) =>
        api.GetAsync<ModelVersionInfo>($"api/models/{Segment(model)}/versions/{Segment(versionOrAlias)}", cancellationToken);

    public Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken) =>
        api.DeleteAsync($"api/models/{Segment(model)}/versions/{version.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    public Task<AliasMove> SetAliasAsync(string model, string alias, long version, CancellationToken cancellationToken) =>
        api.PutAsync<AliasMove>($"api/models/{Segment(model)}/aliases/{Segment(alias)}", new AliasRequest(version), cancellationToken);

    public Task<AliasMove> RemoveAliasAsync(string model, string alias, CancellationToken cancellationToken) =>
        api.DeleteAsync<AliasMove>($"api/models/{Segment(model)}/aliases/{Segment(alias)}", cancellationToken);

    public async Task<IReadOnlyList<AliasMove>> AliasHistoryAsync(string model, CancellationToken cancellationToken) =>
        (await api.GetAsync<AliasesReply>($"api/models/{Segment(model)}/aliases", cancellationToken)).History;

    public Task<EndpointDefinition> CreateEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        api.PostAsync<EndpointDefinition>("api/endpoints", Json(new CreateEndpointRequest(endpoint)), cancellationToken);

    public Task<EndpointDefinition> DeployAsync(string endpoint, string deployment, string modelReference, bool force, CancellationToken cancellationToken) =>
        api.PutAsync<EndpointDefinition>($"{Endpoint(endpoint)}/deployments/{Segment(deployment)}", new DeployRequest(modelReference, force), cancellationToken);

    public Task<EndpointDefinition> RemoveDeploymentAsync(string endpoint, string deployment, CancellationToken cancellationToken) =>
        api.DeleteAsync<EndpointDefinition>($"{Endpoint(endpoint)}/deployments/{Segment(deployment)}", cancellationToken);

    public Task<EndpointDefinition> SetTrafficAsync(string endpoint, IReadOnlyDictionary<string, int> weights, CancellationToken cancellationToken) =>
        api.PutAsync<EndpointDefinition>($"{Endpoint(endpoint)}/traffic", new TrafficRequest(weights.ToDictionary()), cancellationToken);

    public Task<EndpointDefinition> SetMirrorAsync(string endpoint, MirrorTraffic? mirror, CancellationToken cancellationToken) =>
        api.PutAsync<EndpointDefinition>($"{Endpoint(endpoint)}/mirror", new MirrorRequest(mirror?.Deployment, mirror?.Percent ?? 0), cancellationToken);

    public Task<EndpointDefinition> SetStickyKeyAsync(string endpoint, string? key, CancellationToken cancellationToken) =>
        api.PutAsync<EndpointDefinition>($"{Endpoint(endpoint)}/sticky-key", new StickyKeyRequest(key), cancellationToken);

    public Task<EndpointDefinition> RollbackAsync(string endpoint, CancellationToken cancellationToken) =>
        api.PostAsync<EndpointDefinition>($"{Endpoint(endpoint)}/rollback", null, cancellationToken);

    public Task<EndpointDefinition> GetEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        api.GetAsync<EndpointDefinition>(Endpoint(endpoint), cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> EndpointHistoryAsync(string endpoint, CancellationToken cancellationToken) =>
        api.GetAsync<IReadOnlyList<EndpointDefinition>>($"{Endpoint(endpoint)}/history", cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> ListEndpointsAsync(CancellationToken cancellationToken) =>
        api.GetAsync<IReadOnlyList<EndpointDefinition>>("api/endpoints", cancellationToken);

    public Task DeleteEndpointAsync(string endpoint, CancellationToken cancellationToken) =>
        api.DeleteAsync(Endpoint(endpoint), cancellationToken);

    public void Dispose() => api.Dispose();

    private static string Endpoint(string endpoint) => $"api/endpoints/{Segment(endpoint)}";

    /// <summary>Opened here rather than by the server, so a missing file is refused with the same line as a local register.</summary>
    private static FileStream OpenUpload(string file, string what)
    {
        var path = Path.GetFullPath(file);
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw ModelDockException.InvalidInput($"{what} '{path}' does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ModelDockException.InvalidInput($"{what} '{path}' cannot be read: {e.Message}");
        }
    }
}
