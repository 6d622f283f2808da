using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ModelDock.Yaml;

/// <summary>
/// Loads YAML text written by users (model configs, feature definitions). YamlDotNet reports most malformed text
/// as a <see cref="YamlException"/> with a position, but some malformed flow collections and keys surface as
/// InvalidOperationException or ArgumentException from inside the parser; those are the text's fault too, so
/// they are reported the same way and the caller has one error to handle.
/// </summary>
internal static class YamlDocumentLoader
{
    public static YamlStream Load(TextReader text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(text);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new YamlException(Mark.Empty, Mark.Empty, "the text is not YAML this reader can parse: " + e.Message, e);
        }

        return stream;
    }
}
