using System.Collections.Frozen;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Serving;

namespace ModelDock.Endpoints;

/// <summary>
/// The stage in front of the data plane that makes endpoints callable by name: a request to an endpoint goes to the
/// deployment it pins, or to one drawn by the traffic split, and its answer names the deployment and version that
/// served it. Routes are an immutable table swapped whole, only after every version they name is loaded, so the first
/// request after a change already sees it and none sees a deployment outside it. Any other name passes straight through.
/// </summary>
internal sealed class EndpointRouter : IInferenceService
{
    public const string DeploymentParameter = "deployment";

    /// <summary>REST header and gRPC metadata key: pins a request to a deployment, and names the one that answered.</summary>
    public const string DeploymentHeader = "x-modeldock-deployment";

    private readonly IInferenceService _inner;
    private readonly ITrafficRandom _random;
    private FrozenDictionary<string, EndpointRoute> _routes = FrozenDictionary<string, EndpointRoute>.Empty;

    public EndpointRouter(IInferenceService inner, ITrafficRandom random)
    {
        _inner = inner;
        _random = random;
    }

    public bool IsReady => _inner.IsReady;

    public IReadOnlyDictionary<string, EndpointRoute> Routes => Volatile.Read(ref _routes);

    public void Publish(IEnumerable<EndpointRoute> routes) =>
        Volatile.Write(ref _routes, routes.ToFrozenDictionary(r => r.Definition.Name, StringComparer.Ordinal));

    public ModelMetadata GetMetadata(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.GetMetadata(model, version);
        }

        var primary = Primary(route, version);
        var served = _inner.GetMetadata(primary.ServedName, primary.Version);
        return served with { Name = model, Versions = [.. route.Deployments.Select(d => d.Version).Distinct()] };
    }

    public ModelConfiguration GetConfiguration(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.GetConfiguration(model, version);
        }

        var primary = Primary(route, version);
        return _inner.GetConfiguration(primary.ServedName, primary.Version) with { Name = model };
    }

    public bool IsModelReady(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.IsModelReady(model, version);
        }

        return route.Deployments.Where(d => d.Percent > 0 && (version is null || d.Version == version)).Any(d => _inner.IsModelReady(d.ServedName, d.Version));
    }

    public ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryRoute(request.ModelName, out var route))
        {
            return _inner.InferAsync(request, cancellationToken);
        }

        if (request.ModelVersion is not null)
        {
            throw ModelDockException.InvalidInput(
                $"'{request.ModelName}' is an endpoint: its traffic split picks the version; call it without one, or pin a deployment with x-modeldock-deployment");
        }

        var deployment = request.Deployment is { } pinned
            ? route.Find(pinned) ?? throw ModelDockException.NotFound(
                $"endpoint '{request.ModelName}' has no deployment '{pinned}' (it has {string.Join(", ", route.Deployments.Select(d => d.Name))})")
            : route.Pick(_random.NextPercent()) ?? throw ModelDockException.Unavailable($"endpoint '{request.ModelName}' has no deployment that takes traffic");
        return RouteAsync(request, deployment, cancellationToken);
    }

    private async ValueTask<InferenceResponse> RouteAsync(InferenceRequest request, RoutedDeployment deployment, CancellationToken cancellationToken)
    {
        var response = await _inner.InferAsync(request.RoutedTo(deployment.ServedName, deployment.Version), cancellationToken).ConfigureAwait(false);
        var parameters = new Dictionary<string, object>(response.Parameters.Count + 2, StringComparer.Ordinal);
        foreach (var (key, value) in response.Parameters)
        {
            parameters[key] = value;
        }

        parameters[DeploymentParameter] = deployment.Name;
        parameters["model"] = deployment.Model;
        return new InferenceResponse
        {
            ModelName = request.ModelName,
            ModelVersion = response.ModelVersion,
            Id = response.Id,
            Outputs = response.Outputs,
            Parameters = parameters,
        };
    }

    private bool TryRoute(string model, out EndpointRoute route) => Volatile.Read(ref _routes).TryGetValue(model, out route!);

    private static RoutedDeployment Primary(EndpointRoute route, string? version) =>
        (version is null ? route.Primary : route.Deployments.FirstOrDefault(d => d.Version == version))
        ?? throw (version is null
            ? ModelDockException.Unavailable($"endpoint '{route.Definition.Name}' has no deployment yet")
            : ModelDockException.NotFound($"endpoint '{route.Definition.Name}' has no deployment of version {version}"));
}
