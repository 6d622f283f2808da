using System.Text.Json;
using System.Text.Json.Serialization;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Registry;

/// <summary>What the registry stores for one view version: the view plus what it depends on, denormalized.</summary>
internal sealed record ViewSnapshot(FeatureView View, IReadOnlyList<Entity> Entities, DataSource Source);

/// <summary>What the registry stores for one service version: the service plus the view versions it pins.</summary>
internal sealed record ServiceSnapshot(FeatureService Service, IReadOnlyDictionary<string, int> ViewVersions);

/// <summary>
/// Canonical JSON for stored definitions: equal definitions give equal text, which is how an apply tells
/// an unchanged object (same version) from a changed one (next version).
/// </summary>
internal static class DefinitionSnapshots
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(Canonical(value), Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("Stored definition is empty.");

    private static object? Canonical<T>(T value) => value switch
    {
        FeatureView view => Canonical(view),
        FeatureService service => Canonical(service),
        ViewSnapshot snapshot => snapshot with { View = Canonical(snapshot.View) },
        ServiceSnapshot snapshot => snapshot with
        {
            Service = Canonical(snapshot.Service),
            ViewVersions = new SortedDictionary<string, int>(snapshot.ViewVersions.ToDictionary(), StringComparer.Ordinal),
        },
        _ => value,
    };

    private static FeatureView Canonical(FeatureView view) => view with { Tags = Sorted(view.Tags) };

    private static FeatureService Canonical(FeatureService service) => service with { Tags = Sorted(service.Tags) };

    private static SortedDictionary<string, string> Sorted(IReadOnlyDictionary<string, string> tags) =>
        new(tags.ToDictionary(), StringComparer.Ordinal);
}
