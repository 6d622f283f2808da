using ModelDock.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelDock.Features.Definitions;

/// <summary>Reads one YAML file of a feature repository into drafts, collecting located errors.</summary>
internal static class DefinitionFileReader
{
    private static readonly string[] TopLevelFields = ["entities", "sources", "feature_views", "feature_services"];
    private static readonly string[] EntityFields = ["name", "join_keys", "value_type", "description"];
    private static readonly string[] JoinKeyFields = ["name", "value_type"];
    private static readonly string[] SourceFields = ["name", "path", "timestamp_field", "created_timestamp_column"];
    private static readonly string[] ViewFields = ["name", "entities", "ttl", "source", "online", "schema", "tags"];
    private static readonly string[] FieldFields = ["name", "dtype"];
    private static readonly string[] ServiceFields = ["name", "features", "description", "tags"];
    private static readonly FeatureValueType[] JoinKeyTypes = [FeatureValueType.Int64, FeatureValueType.String];

    public static void Read(string file, string displayName, DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
    {
        YamlStream stream;
        try
        {
            using var text = File.OpenText(file);
            stream = YamlDocumentLoader.Load(text);
        }
        catch (YamlException ex)
        {
            errors.Add(YamlMappingReader.ErrorAt(displayName, ex.Start, "Invalid YAML: " + ex.Message));
            return;
        }

        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue;
            }

            var root = YamlMappingReader.Open(displayName, document.RootNode, "the file's top level", TopLevelFields, errors);
            if (root is null)
            {
                continue;
            }

            foreach (var node in root.List("entities", required: false))
            {
                ReadEntity(displayName, node, drafts, errors);
            }

            foreach (var node in root.List("sources", required: false))
            {
                ReadSource(displayName, node, drafts, errors);
            }

            foreach (var node in root.List("feature_views", required: false))
            {
                ReadView(displayName, node, drafts, errors);
            }

            foreach (var node in root.List("feature_services", required: false))
            {
                ReadService(displayName, node, drafts, errors);
            }
        }
    }

    private static void ReadEntity(string file, YamlNode node, DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
    {
        var reader = YamlMappingReader.Open(file, node, "an entity", EntityFields, errors);
        if (reader is null)
        {
            return;
        }

        var name = reader.RequiredString("name");
        reader.Describe($"entity '{name}'");
        var sharedType = reader.ValueType("value_type", required: false, JoinKeyTypes);
        var keys = new List<JoinKey>();
        foreach (var keyNode in reader.List("join_keys", required: true))
        {
            if (keyNode is YamlScalarNode { Value: { Length: > 0 } keyName })
            {
                keys.Add(new JoinKey(keyName, sharedType ?? FeatureValueType.Int64));
                if (sharedType is null && reader.Field("value_type") is null)
                {
                    reader.Error(keyNode, $"Join key '{keyName}' of {reader.What} has no value_type; set value_type on the entity or the key.");
                }

                continue;
            }

            var keyReader = YamlMappingReader.Open(file, keyNode, $"a join key of {reader.What}", JoinKeyFields, errors);
            var key = keyReader?.RequiredString("name");
            keyReader?.Describe($"join key '{key}' of {reader.What}");
            var type = keyReader?.ValueType("value_type", required: sharedType is null, JoinKeyTypes) ?? sharedType;
            if (key is not null && type is not null)
            {
                keys.Add(new JoinKey(key, type.Value));
            }
        }

        if (reader.Field("join_keys") is { } keysNode && keys.Count == 0 && keysNode is YamlSequenceNode)
        {
            reader.Error(keysNode, $"{Capitalize(reader.What)} needs at least one join key.");
        }

        if (name is not null)
        {
            var entity = new Entity(name, keys, reader.OptionalString("description") ?? string.Empty);
            drafts.Entities.Add(new EntityDraft(entity, new DefinitionLocation(file, node)));
        }
    }

    private static void ReadSource(string file, YamlNode node, DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
    {
        var reader = YamlMappingReader.Open(file, node, "a source", SourceFields, errors);
        if (reader is null)
        {
            return;
        }

        var name = reader.RequiredString("name");
        reader.Describe($"source '{name}'");
        var path = reader.RequiredString("path");
        var timestamp = reader.RequiredString("timestamp_field");
        var created = reader.OptionalString("created_timestamp_column");
        if (path is not null && Path.IsPathRooted(path))
        {
            reader.Error(reader.Field("path")!, $"Path '{path}' of {reader.What} must be relative to the repository folder.");
        }
        else if (path is not null && !IsSupportedFile(path))
        {
            reader.Error(reader.Field("path")!, $"Path '{path}' of {reader.What} must name a .parquet or .csv file.");
        }

        if (name is not null && path is not null && timestamp is not null)
        {
            drafts.Sources.Add(new SourceDraft(new DataSource(name, path, timestamp, created), new DefinitionLocation(file, node)));
        }
    }

    private static void ReadView(string file, YamlNode node, DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
    {
        var reader = YamlMappingReader.Open(file, node, "a feature view", ViewFields, errors);
        if (reader is null)
        {
            return;
        }

        var name = reader.RequiredString("name");
        reader.Describe($"feature view '{name}'");
        var entities = ReadNames(reader, "entities", required: false);
        var source = reader.RequiredString("source");
        var online = reader.Bool("online", defaultValue: true);
        var ttl = TimeSpan.Zero;
        if (reader.OptionalString("ttl") is { } ttlText && !TtlFormat.TryParse(ttlText, out ttl))
        {
            reader.Error(reader.Field("ttl")!, $"Invalid ttl '{ttlText}' in {reader.What}; write e.g. 1d, 12h, 3600s, 1h30m, or 0 for no limit.");
        }

        var schema = new List<FieldDraft>();
        foreach (var fieldNode in reader.List("schema", required: true))
        {
            var fieldReader = YamlMappingReader.Open(file, fieldNode, $"a schema field of {reader.What}", FieldFields, errors);
            var fieldName = fieldReader?.RequiredString("name");
            fieldReader?.Describe($"feature '{fieldName}' of {reader.What}");
            var dtype = fieldReader?.ValueType("dtype", required: true);
            if (fieldName is not null && dtype is not null)
            {
                schema.Add(new FieldDraft(new FeatureField(fieldName, dtype.Value), new DefinitionLocation(file, fieldNode)));
            }
        }

        if (name is not null && source is not null)
        {
            drafts.Views.Add(new ViewDraft(
                name,
                new DefinitionLocation(file, node),
                entities,
                ttl,
                new NamedReference(source, new DefinitionLocation(file, reader.Field("source")!)),
                online,
                schema,
                reader.Tags("tags")));
        }
    }

    private static void ReadService(string file, YamlNode node, DefinitionDrafts drafts, List<FeatureDefinitionError> errors)
    {
        var reader = YamlMappingReader.Open(file, node, "a feature service", ServiceFields, errors);
        if (reader is null)
        {
            return;
        }

        var name = reader.RequiredString("name");
        reader.Describe($"feature service '{name}'");
        var features = ReadNames(reader, "features", required: true);
        if (name is not null)
        {
            drafts.Services.Add(new ServiceDraft(
                name,
                new DefinitionLocation(file, node),
                features,
                reader.OptionalString("description") ?? string.Empty,
                reader.Tags("tags")));
        }
    }

    private static List<NamedReference> ReadNames(YamlMappingReader reader, string key, bool required)
    {
        var names = new List<NamedReference>();
        foreach (var item in reader.List(key, required))
        {
            if (item is YamlScalarNode { Value: { Length: > 0 } value })
            {
                names.Add(new NamedReference(value, new DefinitionLocation(reader.File, item)));
            }
            else
            {
                reader.Error(item, $"Items of '{key}' in {reader.What} must be names.");
            }
        }

        return names;
    }

    private static bool IsSupportedFile(string path) =>
        Path.GetExtension(path).ToUpperInvariant() is ".PARQUET" or ".CSV";

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
