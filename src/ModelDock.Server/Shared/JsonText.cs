using System.Text.Json;
using ModelDock.Errors;

namespace ModelDock.Server.Shared;

/// <summary>
/// Reads a JSON string or property name as text. Invalid UTF-8 or a lone surrogate escape
/// (<c>"\ud800"</c>) is the client's mistake, answered with InvalidInput naming where it was;
/// <see cref="Utf8JsonReader.GetString"/> would report it as an InvalidOperationException.
/// </summary>
internal static class JsonText
{
    public static string Read(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
        {
            throw ModelDockException.InvalidInput($"{path} must be a string");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw ModelDockException.InvalidInput($"{path} is not valid text: {e.Message}");
        }
    }
}
