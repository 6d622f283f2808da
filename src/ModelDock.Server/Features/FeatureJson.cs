using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Features.Online;
using ModelDock.Features.Push;

namespace ModelDock.Server.Features;

/// <summary>Feast's JSON bodies to and from the in-process request types.</summary>
internal static class FeatureJson
{
    /// <summary>Refuses more than <paramref name="maxEntityRows"/> rows before allocating anything per row.</summary>
    public static OnlineFeaturesRequest ReadOnlineRequest(JsonElement root, int maxEntityRows)
    {
        RequireObject(root, "The request body");
        var features = root.TryGetProperty("features", out var f) && f.ValueKind != JsonValueKind.Null ? f : default;
        var service = root.TryGetProperty("feature_service", out var s) && s.ValueKind != JsonValueKind.Null ? s : default;
        if (!root.TryGetProperty("entities", out var entities))
        {
            throw ModelDockException.InvalidInput("The request has no 'entities': give an object mapping each join key to a list of values.");
        }

        var columns = ReadColumns(entities, "entities", maxEntityRows);
        var full = root.TryGetProperty("full_feature_names", out var ffn) && ReadBool(ffn, "full_feature_names");
        var hasFeatures = features.ValueKind == JsonValueKind.Array && features.GetArrayLength() > 0;
        return (hasFeatures, service.ValueKind) switch
        {
            (true, JsonValueKind.Undefined) => OnlineFeaturesRequest.ForFeatures(ReadStrings(features, "features"), columns, full),
            (false, JsonValueKind.String) => OnlineFeaturesRequest.ForService(service.GetString()!, columns, full),
            (true, _) => throw ModelDockException.InvalidInput("Give either 'features' or 'feature_service', not both."),
            (false, JsonValueKind.Undefined) when features.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Array) =>
                throw ModelDockException.InvalidInput("'features' must be a list of 'view:feature' strings."),
            (false, JsonValueKind.Undefined) => throw ModelDockException.InvalidInput("The request names no features: give 'features' or 'feature_service'."),
            _ => throw ModelDockException.InvalidInput("'feature_service' must be a string."),
        };
    }

    public static PushRequest ReadPushRequest(JsonElement root)
    {
        RequireObject(root, "The request body");
        var source = OptionalString(root, "push_source_name");
        var view = OptionalString(root, "feature_view") ?? OptionalString(root, "feature_view_name");
        if ((source is null) == (view is null))
        {
            throw ModelDockException.InvalidInput("Give exactly one of 'push_source_name' and 'feature_view'.");
        }

        if (!root.TryGetProperty("df", out var df))
        {
            throw ModelDockException.InvalidInput("The push has no 'df': give an object mapping each column to a list of values.");
        }

        var to = OptionalString(root, "to") ?? "online";
        var target = to switch
        {
            "online" => PushTarget.Online,
            "offline" => PushTarget.Offline,
            "online_and_offline" => PushTarget.OnlineAndOffline,
            _ => throw ModelDockException.InvalidInput($"'to' is '{to}'; expected 'online', 'offline' or 'online_and_offline'."),
        };
        return new PushRequest(source, view, ReadColumns(df, "df", int.MaxValue), target);
    }

    public static void WriteOnlineResponse(Utf8JsonWriter writer, OnlineFeaturesResponse response)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("metadata");
        writer.WriteStartArray("feature_names");
        foreach (var name in response.FeatureNames)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteStartArray("results");
        for (var c = 0; c < response.FeatureNames.Count; c++)
        {
            writer.WriteStartObject();
            writer.WriteStartArray("values");
            for (var r = 0; r < response.RowCount; r++)
            {
                WriteValue(writer, response.GetValue(c, r));
            }

            writer.WriteEndArray();
            writer.WriteStartArray("statuses");
            for (var r = 0; r < response.RowCount; r++)
            {
                writer.WriteStringValue(response.GetStatus(c, r).ToWireName());
            }

            writer.WriteEndArray();
            writer.WriteStartArray("event_timestamps");
            for (var r = 0; r < response.RowCount; r++)
            {
                // A UTC DateTime serializes with a 'Z' suffix, as Feast writes its timestamps.
                writer.WriteStringValue(response.GetEventTimestamp(c, r).UtcDateTime);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, FeatureValue value)
    {
        switch (value.Kind)
        {
            case FeatureValueKind.Null:
                writer.WriteNullValue();
                break;
            case FeatureValueKind.Int32:
                writer.WriteNumberValue(value.AsInt32());
                break;
            case FeatureValueKind.Int64:
                writer.WriteNumberValue(value.AsInt64());
                break;
            case FeatureValueKind.Float:
                WriteFloating(writer, value.AsFloat());
                break;
            case FeatureValueKind.Double:
                WriteFloating(writer, value.AsDouble());
                break;
            case FeatureValueKind.Bool:
                writer.WriteBooleanValue(value.AsBool());
                break;
            case FeatureValueKind.String:
                writer.WriteStringValue(value.AsString());
                break;
            default:
                writer.WriteStringValue(value.AsTimestamp().UtcDateTime);
                break;
        }
    }

    /// <summary>JSON has no NaN or infinity; they go out as null rather than failing the whole response.</summary>
    private static void WriteFloating(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteFloating(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static ValueColumn[] ReadColumns(JsonElement element, string what, int maxRows)
    {
        RequireObject(element, $"'{what}'");
        var columns = new List<ValueColumn>();
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Array)
            {
                throw ModelDockException.InvalidInput($"'{what}.{property.Name}' must be a list of values.");
            }

            // The parsed document knows each array's length: a body of a million keys is refused here, before a
            // value per key exists.
            var length = property.Value.GetArrayLength();
            if (length > maxRows)
            {
                throw OnlineFeatureService.TooManyEntityRows(length, maxRows);
            }

            var values = new FeatureValue[length];
            var i = 0;
            foreach (var item in property.Value.EnumerateArray())
            {
                values[i] = ReadValue(item, property.Name, i);
                i++;
            }

            columns.Add(new ValueColumn(property.Name, values));
        }

        return [.. columns];
    }

    private static FeatureValue ReadValue(JsonElement item, string column, int row) => item.ValueKind switch
    {
        JsonValueKind.Number when item.TryGetInt64(out var integer) => FeatureValue.FromInt64(integer),
        JsonValueKind.Number => FeatureValue.FromDouble(item.GetDouble()),
        JsonValueKind.String => FeatureValue.FromString(item.GetString()!),
        JsonValueKind.True => FeatureValue.FromBool(true),
        JsonValueKind.False => FeatureValue.FromBool(false),
        JsonValueKind.Null => FeatureValue.Null,
        _ => throw ModelDockException.InvalidInput($"'{column}' row {row} is a JSON {item.ValueKind.ToString().ToLowerInvariant()}; expected a number, string, boolean or null."),
    };

    private static string[] ReadStrings(JsonElement array, string what)
    {
        var result = new string[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            result[i++] = item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw ModelDockException.InvalidInput($"'{what}' item {i - 1} is not a string.");
        }

        return result;
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw ModelDockException.InvalidInput($"'{name}' must be a string.");

    private static bool ReadBool(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False or JsonValueKind.Null => false,
        _ => throw ModelDockException.InvalidInput($"'{name}' must be true or false."),
    };

    private static void RequireObject(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ModelDockException.InvalidInput($"{what} must be a JSON object.");
        }
    }
}
