using System.Text.Json;

namespace ModelDock.Server.Rest;

/// <summary>Writes an OIP <c>$parameters</c> object: string, integer, floating-point or boolean values.</summary>
internal static class JsonParameters
{
    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> propertyName, IReadOnlyDictionary<string, object> parameters)
    {
        writer.WriteStartObject(propertyName);
        foreach (var (key, value) in parameters)
        {
            switch (value)
            {
                case bool b:
                    writer.WriteBoolean(key, b);
                    break;
                case long l:
                    writer.WriteNumber(key, l);
                    break;
                case int i:
                    writer.WriteNumber(key, i);
                    break;
                case ulong u:
                    writer.WriteNumber(key, u);
                    break;
                case double d when double.IsFinite(d):
                    writer.WriteNumber(key, d);
                    break;
                default:
                    writer.WriteString(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        writer.WriteEndObject();
    }
}
