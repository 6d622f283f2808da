namespace ModelDock.Features.Online;

/// <summary>
/// Features to read, named either as <c>view:feature</c> references or by a feature service, for the entity
/// rows given column by column.
/// </summary>
public sealed class OnlineFeaturesRequest
{
    private OnlineFeaturesRequest(IReadOnlyList<string>? features, string? featureService, IReadOnlyList<ValueColumn> entities, bool fullFeatureNames)
    {
        ArgumentNullException.ThrowIfNull(entities);
        Features = features;
        FeatureService = featureService;
        Entities = entities;
        FullFeatureNames = fullFeatureNames;
    }

    /// <summary><c>view:feature</c> references (or a bare view name for all its features); null when a service is named.</summary>
    public IReadOnlyList<string>? Features { get; }

    public string? FeatureService { get; }

    public IReadOnlyList<ValueColumn> Entities { get; }

    /// <summary>Name output columns <c>view__feature</c> instead of <c>feature</c>.</summary>
    public bool FullFeatureNames { get; }

    public static OnlineFeaturesRequest ForFeatures(IReadOnlyList<string> features, IReadOnlyList<ValueColumn> entities, bool fullFeatureNames = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        return new(features, null, entities, fullFeatureNames);
    }

    public static OnlineFeaturesRequest ForService(string featureService, IReadOnlyList<ValueColumn> entities, bool fullFeatureNames = false)
    {
        ArgumentNullException.ThrowIfNull(featureService);
        return new(null, featureService, entities, fullFeatureNames);
    }
}
