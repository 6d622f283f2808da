using ModelDock.Errors;

namespace ModelDock.Features.Definitions;

/// <summary>
/// An immutable, consistent set of feature definitions: every reference between objects resolves.
/// Build one with <see cref="FeatureRepositoryLoader"/> to get located errors; this constructor only
/// guards the invariants.
/// </summary>
public sealed class FeatureRepository
{
    private readonly Dictionary<string, Entity> _entities;
    private readonly Dictionary<string, DataSource> _sources;
    private readonly Dictionary<string, FeatureView> _views;
    private readonly Dictionary<string, FeatureService> _services;

    /// <param name="folder">Absolute folder that source paths are relative to.</param>
    public FeatureRepository(
        string folder,
        IReadOnlyList<Entity> entities,
        IReadOnlyList<DataSource> sources,
        IReadOnlyList<FeatureView> featureViews,
        IReadOnlyList<FeatureService> featureServices)
    {
        Folder = folder;
        Entities = entities;
        Sources = sources;
        FeatureViews = featureViews;
        FeatureServices = featureServices;
        _entities = IndexByName(entities, e => e.Name, "entity");
        _sources = IndexByName(sources, s => s.Name, "source");
        _views = IndexByName(featureViews, v => v.Name, "feature view");
        _services = IndexByName(featureServices, s => s.Name, "feature service");
        foreach (var view in featureViews)
        {
            GetSource(view.Source);
            GetJoinKeys(view);
        }

        foreach (var service in featureServices)
        {
            foreach (var reference in service.Features)
            {
                CheckReference(reference);
            }
        }
    }

    public string Folder { get; }

    public IReadOnlyList<Entity> Entities { get; }

    public IReadOnlyList<DataSource> Sources { get; }

    public IReadOnlyList<FeatureView> FeatureViews { get; }

    public IReadOnlyList<FeatureService> FeatureServices { get; }

    public bool TryGetEntity(string name, out Entity entity) => _entities.TryGetValue(name, out entity!);

    public bool TryGetSource(string name, out DataSource source) => _sources.TryGetValue(name, out source!);

    public bool TryGetFeatureView(string name, out FeatureView view) => _views.TryGetValue(name, out view!);

    public bool TryGetFeatureService(string name, out FeatureService service) =>
        _services.TryGetValue(name, out service!);

    public Entity GetEntity(string name) =>
        _entities.GetValueOrDefault(name) ?? throw ModelDockException.NotFound($"Unknown entity '{name}'.");

    public DataSource GetSource(string name) =>
        _sources.GetValueOrDefault(name) ?? throw ModelDockException.NotFound($"Unknown source '{name}'.");

    public FeatureView GetFeatureView(string name) =>
        _views.GetValueOrDefault(name) ?? throw ModelDockException.NotFound($"Unknown feature view '{name}'.");

    public FeatureService GetFeatureService(string name) =>
        _services.GetValueOrDefault(name) ?? throw ModelDockException.NotFound($"Unknown feature service '{name}'.");

    /// <summary>The join keys of the view's entities, in entity order.</summary>
    public IReadOnlyList<JoinKey> GetJoinKeys(FeatureView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.Entities.SelectMany(name => GetEntity(name).JoinKeys).ToArray();
    }

    /// <summary>Absolute path of the source's file.</summary>
    public string GetSourcePath(DataSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Path.GetFullPath(Path.Combine(Folder, source.Path));
    }

    /// <summary>
    /// Resolves <c>view:feature</c> strings (and bare <c>view</c> for all of a view's features);
    /// an unknown view or feature is <see cref="ErrorKind.NotFound"/>, a malformed one <see cref="ErrorKind.InvalidInput"/>.
    /// </summary>
    public IReadOnlyList<FeatureReference> ResolveFeatures(IEnumerable<string> references)
    {
        ArgumentNullException.ThrowIfNull(references);
        var resolved = new List<FeatureReference>();
        foreach (var text in references)
        {
            if (!text.Contains(':', StringComparison.Ordinal))
            {
                resolved.AddRange(GetFeatureView(text).Schema.Select(f => new FeatureReference(text, f.Name)));
                continue;
            }

            var reference = FeatureReference.Parse(text);
            CheckReference(reference);
            resolved.Add(reference);
        }

        return resolved;
    }

    private void CheckReference(FeatureReference reference)
    {
        if (GetFeatureView(reference.View).FindField(reference.Feature) is null)
        {
            throw ModelDockException.NotFound(
                $"Feature view '{reference.View}' has no feature '{reference.Feature}'.");
        }
    }

    private static Dictionary<string, T> IndexByName<T>(IReadOnlyList<T> items, Func<T, string> name, string what)
    {
        ArgumentNullException.ThrowIfNull(items);
        var index = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!index.TryAdd(name(item), item))
            {
                throw ModelDockException.InvalidInput($"Duplicate {what} '{name(item)}'.");
            }
        }

        return index;
    }
}
