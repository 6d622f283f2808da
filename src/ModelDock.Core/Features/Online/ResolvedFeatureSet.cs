using ModelDock.Errors;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Online;

/// <summary>
/// A request's feature list worked out once against the repository: which views to read, grouped by the
/// join keys that address them (one store read per group; views of the same entity share one), and where
/// each output column comes from.
/// </summary>
internal sealed class ResolvedFeatureSet
{
    private ResolvedFeatureSet(IReadOnlyList<ReadGroup> groups, IReadOnlyList<OutputFeature> features)
    {
        Groups = groups;
        Features = features;
    }

    public IReadOnlyList<ReadGroup> Groups { get; }

    public IReadOnlyList<OutputFeature> Features { get; }

    public static ResolvedFeatureSet Resolve(FeatureRepository repository, OnlineFeaturesRequest request)
    {
        var references = request.FeatureService is { } serviceName
            ? ServiceFeatures(repository, serviceName)
            : ParseFeatures(repository, request.Features ?? []);
        if (references.Count == 0)
        {
            throw ModelDockException.InvalidInput("The request names no features: give 'features' or a 'feature_service'.");
        }

        var groups = new List<(string Signature, IReadOnlyList<JoinKey> JoinKeys, List<(FeatureView View, List<string> Features)> Views)>();
        var placed = new List<(int Group, int View, int Feature, FeatureView Definition, FeatureReference Reference)>();
        var seen = new HashSet<FeatureReference>();
        foreach (var reference in references)
        {
            if (!seen.Add(reference))
            {
                throw ModelDockException.InvalidInput($"Feature '{reference}' is requested more than once.");
            }

            var view = repository.GetFeatureView(reference.View);
            var joinKeys = repository.GetJoinKeys(view);
            var signature = string.Join(',', joinKeys.Select(k => k.Name + ":" + k.ValueType).Order(StringComparer.Ordinal));
            var g = groups.FindIndex(x => x.Signature == signature);
            if (g < 0)
            {
                groups.Add((signature, joinKeys, []));
                g = groups.Count - 1;
            }

            var views = groups[g].Views;
            var v = views.FindIndex(x => x.View.Name == view.Name);
            if (v < 0)
            {
                views.Add((view, []));
                v = views.Count - 1;
            }

            views[v].Features.Add(reference.Feature);
            placed.Add((g, v, views[v].Features.Count - 1, view, reference));
        }

        var readGroups = groups.Select(g => new ReadGroup(
            [.. g.JoinKeys],
            new OnlineReadPlan([.. g.Views.Select(v => new OnlineViewRequest(v.View.Name, v.Features))]))).ToArray();
        var outputs = placed.Select(p => new OutputFeature(
            request.FullFeatureNames ? p.Reference.FullName : p.Reference.Feature,
            p.Group,
            p.View,
            readGroups[p.Group].Plan.Offsets[p.View] + p.Feature,
            p.Definition.HasTtl ? p.Definition.Ttl.Ticks : 0)).ToArray();
        var clash = outputs.GroupBy(o => o.Name, StringComparer.Ordinal).FirstOrDefault(n => n.Count() > 1);
        if (clash is not null)
        {
            throw ModelDockException.InvalidInput(
                $"Feature name '{clash.Key}' comes from more than one feature view; set full_feature_names to tell them apart.");
        }

        return new ResolvedFeatureSet(readGroups, outputs);
    }

    private static IReadOnlyList<FeatureReference> ServiceFeatures(FeatureRepository repository, string name) =>
        repository.TryGetFeatureService(name, out var service)
            ? service.Features
            : throw ModelDockException.InvalidInput($"Unknown feature service '{name}'.");

    private static List<FeatureReference> ParseFeatures(FeatureRepository repository, IReadOnlyList<string> features)
    {
        var references = new List<FeatureReference>();
        foreach (var text in features)
        {
            if (string.IsNullOrEmpty(text))
            {
                throw ModelDockException.InvalidInput("A feature reference is empty; write 'view:feature'.");
            }

            if (!text.Contains(':', StringComparison.Ordinal))
            {
                references.AddRange(ViewOf(repository, text, text).Schema.Select(f => new FeatureReference(text, f.Name)));
                continue;
            }

            var reference = FeatureReference.Parse(text);
            if (ViewOf(repository, reference.View, text).FindField(reference.Feature) is null)
            {
                throw ModelDockException.InvalidInput($"Unknown feature '{text}': feature view '{reference.View}' has no feature '{reference.Feature}'.");
            }

            references.Add(reference);
        }

        return references;
    }

    private static FeatureView ViewOf(FeatureRepository repository, string view, string reference) =>
        repository.TryGetFeatureView(view, out var found)
            ? found
            : throw ModelDockException.InvalidInput($"Unknown feature '{reference}': there is no feature view '{view}'.");
}

/// <summary>Views addressed by the same join keys, read together.</summary>
internal sealed record ReadGroup(JoinKey[] JoinKeys, OnlineReadPlan Plan);

/// <summary>One output feature column and where its values are in the group's read result.</summary>
internal sealed record OutputFeature(string Name, int Group, int View, int Column, long TtlTicks);
