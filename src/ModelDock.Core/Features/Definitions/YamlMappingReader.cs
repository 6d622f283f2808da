using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelDock.Features.Definitions;

/// <summary>Reads one YAML mapping's fields, recording located errors instead of throwing.</summary>
internal sealed class YamlMappingReader
{
    private readonly Dictionary<string, YamlNode> _fields = new(StringComparer.Ordinal);

    private YamlMappingReader(string file, YamlNode node, string what, List<FeatureDefinitionError> errors)
    {
        File = file;
        Node = node;
        What = what;
        Errors = errors;
    }

    public string File { get; }

    public YamlNode Node { get; }

    /// <summary>What the mapping describes, e.g. <c>feature view 'stats'</c>, for messages.</summary>
    public string What { get; private set; }

    public List<FeatureDefinitionError> Errors { get; }

    /// <summary>A reader for <paramref name="node"/>, or null (with an error) when it is not a mapping.</summary>
    public static YamlMappingReader? Open(
        string file, YamlNode node, string what, IReadOnlyCollection<string> knownFields, List<FeatureDefinitionError> errors)
    {
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(ErrorAt(file, node.Start, $"Expected a mapping for {what}."));
            return null;
        }

        var reader = new YamlMappingReader(file, node, what, errors);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (!knownFields.Contains(key))
            {
                reader.Error(keyNode, $"Unknown field '{key}' in {what}; expected one of: {string.Join(", ", knownFields)}.");
            }
            else if (!reader._fields.TryAdd(key, value))
            {
                reader.Error(keyNode, $"Field '{key}' appears twice in {what}.");
            }
        }

        return reader;
    }

    public static FeatureDefinitionError ErrorAt(string file, Mark mark, string message) =>
        new(file, mark.Line, mark.Column, message);

    public void Describe(string what) => What = what;

    public void Error(YamlNode node, string message) => Errors.Add(ErrorAt(File, node.Start, message));

    public YamlNode? Field(string key) => _fields.GetValueOrDefault(key);

    public string? RequiredString(string key)
    {
        if (Field(key) is null)
        {
            Error(Node, $"Missing required field '{key}' in {What}.");
            return null;
        }

        return OptionalString(key);
    }

    public string? OptionalString(string key)
    {
        var node = Field(key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlScalarNode { Value: { Length: > 0 } value })
        {
            Error(node, $"Field '{key}' in {What} must be a non-empty text value.");
            return null;
        }

        return value;
    }

    public bool Bool(string key, bool defaultValue)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return defaultValue;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(Field(key)!, $"Field '{key}' in {What} must be true or false, not '{text}'.");
        return defaultValue;
    }

    /// <summary>The items of a list field (a missing field is an empty list; a scalar is an error).</summary>
    public IReadOnlyList<YamlNode> List(string key, bool required)
    {
        var node = Field(key);
        if (node is null)
        {
            if (required)
            {
                Error(Node, $"Missing required field '{key}' in {What}.");
            }

            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node, $"Field '{key}' in {What} must be a list.");
            return [];
        }

        return sequence.Children.ToArray();
    }

    /// <summary>A string-to-string map such as tags.</summary>
    public IReadOnlyDictionary<string, string> Tags(string key)
    {
        var node = Field(key);
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (node is null)
        {
            return tags;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(node, $"Field '{key}' in {What} must be a mapping of names to values.");
            return tags;
        }

        foreach (var (tagKey, tagValue) in mapping.Children)
        {
            if (tagKey is YamlScalarNode { Value: { } name } && tagValue is YamlScalarNode { Value: { } value })
            {
                tags[name] = value;
            }
            else
            {
                Error(tagKey, $"Tags in {What} must be plain name: value pairs.");
            }
        }

        return tags;
    }

    public FeatureValueType? ValueType(string key, bool required, IReadOnlyCollection<FeatureValueType>? allowed = null)
    {
        var text = required ? RequiredString(key) : OptionalString(key);
        if (text is null)
        {
            return null;
        }

        if (FeatureValueTypes.TryParse(text.ToUpperInvariant(), out var type) && (allowed is null || allowed.Contains(type)))
        {
            return type;
        }

        var names = allowed?.Select(t => t.ToYamlName()) ?? FeatureValueTypes.Names;
        Error(Field(key)!, string.Create(
            CultureInfo.InvariantCulture,
            $"Unknown {key} '{text}' in {What}; expected one of: {string.Join(", ", names)}."));
        return null;
    }
}
