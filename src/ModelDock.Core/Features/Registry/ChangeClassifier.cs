using ModelDock.Features.Definitions;

namespace ModelDock.Features.Registry;

/// <summary>Tells a breaking change (consumers of the old version stop working) from a compatible one.</summary>
internal static class ChangeClassifier
{
    public static List<string> CompareEntities(Entity before, Entity after)
    {
        var details = new List<string>();
        if (!KeysText(before.JoinKeys).Equals(KeysText(after.JoinKeys), StringComparison.Ordinal))
        {
            details.Add($"breaking: join keys changed from ({KeysText(before.JoinKeys)}) to ({KeysText(after.JoinKeys)})");
        }

        if (before.Description != after.Description)
        {
            details.Add("description changed");
        }

        return details;
    }

    public static List<string> CompareSources(DataSource before, DataSource after)
    {
        var details = new List<string>();
        AddIfChanged(details, "path", before.Path, after.Path);
        AddIfChanged(details, "timestamp_field", before.TimestampField, after.TimestampField);
        AddIfChanged(details, "created_timestamp_column", before.CreatedTimestampColumn, after.CreatedTimestampColumn);
        return details;
    }

    public static List<string> CompareViews(ViewSnapshot before, ViewSnapshot after)
    {
        var details = new List<string>();
        var oldKeys = KeysText(before.Entities.SelectMany(e => e.JoinKeys).ToArray());
        var newKeys = KeysText(after.Entities.SelectMany(e => e.JoinKeys).ToArray());
        if (!before.View.Entities.SequenceEqual(after.View.Entities, StringComparer.Ordinal))
        {
            details.Add($"breaking: entities changed from [{string.Join(", ", before.View.Entities)}] to [{string.Join(", ", after.View.Entities)}]");
        }
        else if (oldKeys != newKeys)
        {
            details.Add($"breaking: join keys changed from ({oldKeys}) to ({newKeys})");
        }

        foreach (var field in before.View.Schema)
        {
            var now = after.View.FindField(field.Name);
            if (now is null)
            {
                details.Add($"breaking: feature '{field.Name}' removed");
            }
            else if (now.Dtype != field.Dtype)
            {
                details.Add($"breaking: feature '{field.Name}' dtype changed from {field.Dtype.ToYamlName()} to {now.Dtype.ToYamlName()}");
            }
        }

        foreach (var field in after.View.Schema.Where(f => before.View.FindField(f.Name) is null))
        {
            details.Add($"feature '{field.Name}' added");
        }

        AddIfChanged(details, "ttl", TtlFormat.Format(before.View.Ttl), TtlFormat.Format(after.View.Ttl));
        AddIfChanged(details, "online", before.View.Online.ToString(), after.View.Online.ToString());
        AddIfChanged(details, "source", before.View.Source, after.View.Source);
        if (DefinitionSnapshots.Serialize(before.Source) != DefinitionSnapshots.Serialize(after.Source))
        {
            details.Add($"source '{after.Source.Name}' definition changed");
        }

        if (!before.View.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(after.View.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)))
        {
            details.Add("tags changed");
        }

        return details;
    }

    public static List<string> CompareServices(
        ServiceSnapshot before, ServiceSnapshot after, IReadOnlySet<string> viewsWithBreakingChanges)
    {
        var details = new List<string>();
        var newFeatures = after.Service.Features.ToHashSet();
        var oldFeatures = before.Service.Features.ToHashSet();
        details.AddRange(before.Service.Features.Where(f => !newFeatures.Contains(f)).Select(f => $"breaking: feature '{f}' removed"));
        details.AddRange(after.Service.Features.Where(f => !oldFeatures.Contains(f)).Select(f => $"feature '{f}' added"));
        foreach (var (view, version) in after.ViewVersions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (before.ViewVersions.TryGetValue(view, out var oldVersion) && oldVersion != version)
            {
                var breaking = viewsWithBreakingChanges.Contains(view) ? "breaking: " : string.Empty;
                details.Add($"{breaking}feature view '{view}' v{oldVersion} -> v{version}");
            }
        }

        if (before.Service.Description != after.Service.Description)
        {
            details.Add("description changed");
        }

        if (!before.Service.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(after.Service.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)))
        {
            details.Add("tags changed");
        }

        return details;
    }

    public static FeatureChangeKind Classify(IReadOnlyList<string> details) =>
        details.Any(d => d.StartsWith("breaking:", StringComparison.Ordinal)) ? FeatureChangeKind.Breaking : FeatureChangeKind.Changed;

    private static string KeysText(IReadOnlyList<JoinKey> keys) =>
        string.Join(", ", keys.Select(k => k.Name + " " + k.ValueType.ToYamlName()));

    private static void AddIfChanged(List<string> details, string what, string? before, string? after)
    {
        if (!string.Equals(before, after, StringComparison.Ordinal))
        {
            details.Add($"{what} changed from '{before}' to '{after}'");
        }
    }
}
