using System.Text.Json;
using ModelDock.Errors;

namespace ModelDock.Server.Shared;

/// <summary>
/// Reads a JSON string or property name as text. Invalid UTF-8 or a lone surrogate escape
/// (<c>"\ud800"</c>) is the client's mistake, answered with InvalidInput naming where it was;
/// <see cref="Utf8JsonReader.GetString"/> and <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/>
/// would report it as an InvalidOperationException.
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

    /// <summary>Whether the current string or property name is <paramref name="utf8"/>.</summary>
    public static bool Is(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8)
    {
        try
        {
            return reader.ValueTextEquals(utf8);
        }
        catch (InvalidOperationException e)
        {
            throw ModelDockException.InvalidInput($"a JSON string or property name is not valid text: {e.Message}");
        }
    }
}
