using ModelDock.Features.Definitions;
using ModelDock.Features.Online;

namespace ModelDock.Features.Assembly;

/// <summary>
/// The feature store as model input assembly sees it: the definitions served now and the online read path. Assembly
/// depends on nothing else of the feature store, so how definitions are loaded, swapped or read is free to change
/// behind this one seam.
/// </summary>
internal interface IModelFeatureSource
{
    /// <summary>The definitions online reads are resolved against now; a different instance once they change.</summary>
    FeatureRepository Definitions { get; }

    /// <summary>
    /// The definitions a feature service was applied with: <see cref="Definitions"/> for a bare <c>name</c>, the
    /// registry's pinned copy for <c>name:version</c>. Throws <see cref="Errors.ModelDockException"/> naming what is unknown.
    /// </summary>
    FeatureRepository DefinitionsOf(string service);

    /// <summary>Reads online features as <see cref="OnlineFeatureService.GetOnlineFeaturesAsync"/> does, TTLs applied; a store that is down is Unavailable.</summary>
    ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken);
}
