using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;

namespace ModelDock.Features.Assembly;

/// <summary>
/// <see cref="IModelFeatureSource"/> over the server's current <see cref="OnlineFeatureService"/>, with feature service
/// versions looked up in the feature registry of its data folder.
/// </summary>
internal sealed class OnlineFeatureSource : IModelFeatureSource
{
    private readonly Func<OnlineFeatureService> _online;
    private readonly Func<string, VersionedFeatureService> _registry;

    /// <param name="online">The online service over the definitions served now, which a later apply replaces.</param>
    /// <param name="registry">Resolves <c>name:version</c> in the feature registry.</param>
    public OnlineFeatureSource(Func<OnlineFeatureService> online, Func<string, VersionedFeatureService> registry)
    {
        _online = online;
        _registry = registry;
    }

    public FeatureRepository Definitions => _online().Repository;

    public FeatureRepository DefinitionsOf(string service)
    {
        if (!service.Contains(':', StringComparison.Ordinal))
        {
            return Definitions.TryGetFeatureService(service, out _)
                ? Definitions
                : throw ModelDockException.NotFound($"there is no feature service '{service}' in the served feature definitions");
        }

        return _registry(service).Repository;
    }

    public ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken) =>
        _online().GetOnlineFeaturesAsync(request, cancellationToken);
}
