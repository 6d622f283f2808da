using YamlDotNet.RepresentationModel;

namespace ModelDock.Features.Definitions;

/// <summary>Where a definition or one of its values was written.</summary>
internal sealed record DefinitionLocation(string File, YamlNode Node)
{
    public FeatureDefinitionError Error(string message) => YamlMappingReader.ErrorAt(File, Node.Start, message);
}

internal sealed record EntityDraft(Entity Entity, DefinitionLocation Location);

internal sealed record SourceDraft(DataSource Source, DefinitionLocation Location);

internal sealed record NamedReference(string Name, DefinitionLocation Location);

internal sealed record FieldDraft(FeatureField Field, DefinitionLocation Location);

internal sealed record ViewDraft(
    string Name,
    DefinitionLocation Location,
    IReadOnlyList<NamedReference> Entities,
    TimeSpan Ttl,
    NamedReference Source,
    bool Online,
    IReadOnlyList<FieldDraft> Schema,
    IReadOnlyDictionary<string, string> Tags);

internal sealed record ServiceDraft(
    string Name,
    DefinitionLocation Location,
    IReadOnlyList<NamedReference> Features,
    string Description,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>Everything read from the repository's files before cross-references are checked.</summary>
internal sealed class DefinitionDrafts
{
    public List<EntityDraft> Entities { get; } = [];

    public List<SourceDraft> Sources { get; } = [];

    public List<ViewDraft> Views { get; } = [];

    public List<ServiceDraft> Services { get; } = [];
}
