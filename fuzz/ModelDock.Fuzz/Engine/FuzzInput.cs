using System.Text.Json.Serialization;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// One input a target replays exactly: for HTTP targets a request (method, path, headers, body); for file
/// targets the file's name in <see cref="Path"/> and its bytes in <see cref="Body"/>.
/// </summary>
internal sealed record FuzzInput(
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("headers")] IReadOnlyList<KeyValuePair<string, string>> Headers,
    [property: JsonPropertyName("body")] byte[] Body)
{
    public static FuzzInput File(string target, string fileName, byte[] bytes) => new(target, "FILE", fileName, [], bytes);
}
