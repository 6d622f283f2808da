namespace ModelDock.Features.Definitions;

/// <summary>A named group of features read from one source and keyed by the join keys of its entities.</summary>
/// <param name="Entities">Entity names; an empty list makes a global (key-less) view.</param>
/// <param name="Ttl">How far back from a row's timestamp a value may be; <see cref="TimeSpan.Zero"/> means no limit.</param>
/// <param name="Source">Name of the <see cref="DataSource"/>.</param>
/// <param name="Online">Whether materialization copies this view to the online store.</param>
public sealed record FeatureView(
    string Name,
    IReadOnlyList<string> Entities,
    TimeSpan Ttl,
    string Source,
    bool Online,
    IReadOnlyList<FeatureField> Schema,
    IReadOnlyDictionary<string, string> Tags)
{
    public bool HasTtl => Ttl > TimeSpan.Zero;

    public FeatureField? FindField(string name)
    {
        foreach (var field in Schema)
        {
            if (field.Name == name)
            {
                return field;
            }
        }

        return null;
    }
}
