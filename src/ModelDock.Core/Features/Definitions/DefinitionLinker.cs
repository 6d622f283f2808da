namespace ModelDock.Features.Definitions;

/// <summary>Checks names and cross-references between drafts and builds the repository.</summary>
internal sealed class DefinitionLinker(DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
{
    public FeatureRepository? Link(string folder)
    {
        var entities = Unique(drafts.Entities, d => d.Entity.Name, d => d.Location, "entity");
        var sources = Unique(drafts.Sources, d => d.Source.Name, d => d.Location, "source");
        var viewDrafts = Unique(drafts.Views, d => d.Name, d => d.Location, "feature view");
        var serviceDrafts = Unique(drafts.Services, d => d.Name, d => d.Location, "feature service");

        foreach (var entity in entities.Values)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in entity.Entity.JoinKeys.Where(k => !seen.Add(k.Name)))
            {
                errors.Add(entity.Location.Error($"Entity '{entity.Entity.Name}' lists join key '{key.Name}' twice."));
            }
        }

        var views = viewDrafts.Values.Select(v => LinkView(v, entities, sources)).ToArray();
        var viewsByName = views.ToDictionary(v => v.Name, StringComparer.Ordinal);
        var services = serviceDrafts.Values.Select(s => LinkService(s, viewsByName)).ToArray();
        if (errors.Count > 0)
        {
            return null;
        }

        return new FeatureRepository(
            folder,
            entities.Values.Select(e => e.Entity).ToArray(),
            sources.Values.Select(s => s.Source).ToArray(),
            views,
            services);
    }

    private FeatureView LinkView(
        ViewDraft draft, Dictionary<string, EntityDraft> entities, Dictionary<string, SourceDraft> sources)
    {
        var what = $"Feature view '{draft.Name}'";
        var keyOwners = new Dictionary<string, string>(StringComparer.Ordinal);
        var entityNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in draft.Entities)
        {
            if (!entityNames.Add(reference.Name))
            {
                errors.Add(reference.Location.Error($"{what} lists entity '{reference.Name}' twice."));
            }
            else if (!entities.TryGetValue(reference.Name, out var entity))
            {
                errors.Add(reference.Location.Error($"{what} refers to unknown entity '{reference.Name}'."));
            }
            else
            {
                foreach (var key in entity.Entity.JoinKeys)
                {
                    if (!keyOwners.TryAdd(key.Name, entity.Entity.Name))
                    {
                        errors.Add(reference.Location.Error(
                            $"{what}: join key '{key.Name}' of entity '{entity.Entity.Name}' is also a join key of entity '{keyOwners[key.Name]}'."));
                    }
                }
            }
        }

        sources.TryGetValue(draft.Source.Name, out var source);
        if (source is null)
        {
            errors.Add(draft.Source.Location.Error($"{what} refers to unknown source '{draft.Source.Name}'."));
        }

        var featureNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in draft.Schema)
        {
            var name = field.Field.Name;
            if (!featureNames.Add(name))
            {
                errors.Add(field.Location.Error($"{what} declares feature '{name}' twice."));
            }
            else if (keyOwners.ContainsKey(name))
            {
                errors.Add(field.Location.Error($"{what}: feature '{name}' has the name of a join key."));
            }
            else if (source is not null && (name == source.Source.TimestampField || name == source.Source.CreatedTimestampColumn))
            {
                errors.Add(field.Location.Error($"{what}: feature '{name}' is a timestamp column of source '{source.Source.Name}'."));
            }
        }

        if (draft.Schema.Count == 0 && errors.Count == 0)
        {
            errors.Add(draft.Location.Error($"{what} has an empty schema; declare at least one feature."));
        }

        return new FeatureView(
            draft.Name,
            draft.Entities.Select(e => e.Name).Distinct(StringComparer.Ordinal).ToArray(),
            draft.Ttl,
            draft.Source.Name,
            draft.Online,
            draft.Schema.Select(f => f.Field).DistinctBy(f => f.Name, StringComparer.Ordinal).ToArray(),
            draft.Tags);
    }

    private FeatureService LinkService(ServiceDraft draft, Dictionary<string, FeatureView> views)
    {
        var what = $"Feature service '{draft.Name}'";
        var resolved = new List<FeatureReference>();
        var seen = new HashSet<FeatureReference>();
        foreach (var entry in draft.Features)
        {
            var colon = entry.Name.IndexOf(':', StringComparison.Ordinal);
            var viewName = colon < 0 ? entry.Name : entry.Name[..colon];
            if (colon == 0 || colon == entry.Name.Length - 1 || (colon > 0 && entry.Name.IndexOf(':', colon + 1) >= 0))
            {
                errors.Add(entry.Location.Error($"{what}: '{entry.Name}' is not of the form 'view' or 'view:feature'."));
                continue;
            }

            if (!views.TryGetValue(viewName, out var view))
            {
                errors.Add(entry.Location.Error($"{what} refers to unknown feature view '{viewName}'."));
                continue;
            }

            var fields = colon < 0 ? view.Schema : [];
            if (colon > 0)
            {
                var featureName = entry.Name[(colon + 1)..];
                if (view.FindField(featureName) is not { } field)
                {
                    errors.Add(entry.Location.Error($"{what} refers to unknown feature '{featureName}' of feature view '{viewName}'."));
                    continue;
                }

                fields = [field];
            }

            foreach (var field in fields)
            {
                var reference = new FeatureReference(viewName, field.Name);
                if (!seen.Add(reference))
                {
                    errors.Add(entry.Location.Error($"{what} lists feature '{reference}' more than once."));
                    continue;
                }

                resolved.Add(reference);
            }
        }

        return new FeatureService(draft.Name, resolved, draft.Description, draft.Tags);
    }

    private Dictionary<string, T> Unique<T>(
        IEnumerable<T> items, Func<T, string> name, Func<T, DefinitionLocation> location, string what)
    {
        var unique = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (unique.TryGetValue(name(item), out var first))
            {
                var firstAt = location(first);
                errors.Add(location(item).Error(
                    $"Duplicate {what} '{name(item)}'; first defined at {firstAt.File}:{firstAt.Node.Start.Line}:{firstAt.Node.Start.Column}."));
                continue;
            }

            unique.Add(name(item), item);
        }

        return unique;
    }
}
