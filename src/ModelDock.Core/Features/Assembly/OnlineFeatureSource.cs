using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;

namespace ModelDock.Features.Assembly;

/// <summary>
/// <see cref="IModelFeatureSource"/> over the server's <see cref="OnlineFeatureService"/>, with feature service versions
/// looked up in the feature registry when the server has one.
/// </summary>
internal sealed class OnlineFeatureSource : IModelFeatureSource
{
    private readonly OnlineFeatureService _online;
    private readonly Func<string, VersionedFeatureService>? _registry;

    /// <param name="registry">Resolves <c>name:version</c>; null when the served definitions were not applied to a registry.</param>
    public OnlineFeatureSource(OnlineFeatureService online, Func<string, VersionedFeatureService>? registry)
    {
        _online = online;
        _registry = registry;
    }

    public FeatureRepository Definitions => _online.Repository;

    public FeatureRepository DefinitionsOf(string service)
    {
        if (!service.Contains(':', StringComparison.Ordinal))
        {
            return Definitions.TryGetFeatureService(service, out _)
                ? Definitions
                : throw ModelDockException.NotFound($"there is no feature service '{service}' in the served feature definitions");
        }

        return _registry is null
            ? throw ModelDockException.NotFound(
                $"feature service '{service}' names a version, and versions come from the feature registry, which this server does not read; name the service without a version")
            : _registry(service).Repository;
    }

    public ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken) =>
        _online.GetOnlineFeaturesAsync(request, cancellationToken);
}
