using System.Text.Json.Nodes;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// Structure-aware JSON mutations: a node of a valid document is replaced, removed, duplicated or grown with
/// values a parser must refuse or bound (huge and negative numbers, wrong types, long arrays, deep nesting,
/// names the protocols use in other places), so inputs reach past the tokenizer into validation.
/// </summary>
internal static class JsonMutator
{
    private static readonly string[] Keys =
    [
        "name", "shape", "datatype", "data", "parameters", "inputs", "outputs", "id", "binary_data_size",
        "binary_data", "binary_data_output", "classification", "features", "entities", "feature_service",
        "full_feature_names", "push_source_name", "feature_view", "df", "to", "ready", "config", "sequence_id",
    ];

    private static readonly string[] Strings =
    [
        "", "FP32", "FP16", "BF16", "FP64", "INT8", "INT64", "UINT64", "BOOL", "BYTES", "fp32", "FP32 ", "INT128",
        "online", "offline", "online_and_offline", "driver_stats:conv_rate", "driver_stats:", ":", "driver_model_v1",
        "input", "INPUT0", "output", "..", "../../etc/passwd", "\0", "\ud800x", "é", "2026-03-01T11:00:00Z", "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z", "not a time", "1e999", "-1",
    ];

    private const int GrowthBytes = 256 * 1024;

    public static string Mutate(string json, Random random, int maxRounds = 3)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return json;
        }

        var rounds = random.Next(1, maxRounds + 1);
        for (var i = 0; i < rounds && root is not null; i++)
        {
            root = MutateOnce(root, random);
        }

        try
        {
            return root?.ToJsonString() ?? "null";
        }
        catch (InvalidOperationException)
        {
            // Deeper than the writer allows: keep the input as it was.
            return json;
        }
    }

    private static JsonNode? MutateOnce(JsonNode root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var node = nodes[random.Next(nodes.Count)];
        var parent = node.Parent;
        switch (random.Next(6))
        {
            case 0 when parent is not null:
                Remove(node);
                return root;
            case 1 when node is JsonArray array:
                Grow(array, random);
                return root;
            case 2 when node is JsonObject obj:
                obj[Keys[random.Next(Keys.Length)]] = Value(random);
                return root;
            case 3 when parent is JsonArray siblings:
                siblings.Add(node.DeepClone());
                return root;
            default:
                return Replace(node, Value(random)) ?? root;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
        }
    }

    /// <summary>Replaces <paramref name="node"/> in its parent; for the root, returns the new root.</summary>
    private static JsonNode? Replace(JsonNode node, JsonNode? value)
    {
        switch (node.Parent)
        {
            case JsonObject obj:
                obj[node.GetPropertyName()] = value;
                return null;
            case JsonArray array:
                array[node.GetElementIndex()] = value;
                return null;
            default:
                return value;
        }
    }

    private static void Remove(JsonNode node)
    {
        switch (node.Parent)
        {
            case JsonObject obj:
                obj.Remove(node.GetPropertyName());
                break;
            case JsonArray array:
                array.RemoveAt(node.GetElementIndex());
                break;
        }
    }

    /// <summary>Appends copies of an element, up to about <see cref="GrowthBytes"/> of text, so mutations compound without running away.</summary>
    private static void Grow(JsonArray array, Random random)
    {
        var template = array.Count > 0 ? array[random.Next(array.Count)] : Value(random);
        var size = Math.Max(1, template?.ToJsonString().Length ?? 4);
        var count = Math.Min(random.Next(4) == 0 ? random.Next(1000, 20_000) : random.Next(1, 64), GrowthBytes / size);
        for (var i = 0; i < count; i++)
        {
            array.Add(template?.DeepClone());
        }
    }

    private static JsonNode? Value(Random random) => random.Next(14) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => JsonValue.Create(random.Next(-3, 70_000)),
        3 => JsonValue.Create(new[] { int.MaxValue, int.MinValue, 1 << 30, 8_388_608, 1_073_741_824 }[random.Next(5)]),
        4 => JsonValue.Create(new[] { long.MaxValue, long.MinValue, 1L << 31, 1L << 32, 1L << 40, 8_388_600L * 64 }[random.Next(6)]),
        5 => JsonValue.Create(decimal.MaxValue),
        6 => JsonValue.Create(new[] { 0.5, -0.0, double.Epsilon, double.MaxValue, 1e-300 }[random.Next(5)]),
        7 => JsonValue.Create(Strings[random.Next(Strings.Length)]),
        8 => JsonValue.Create(new string((char)random.Next(32, 0x3000), random.Next(1, 5000))),
        9 => new JsonArray(),
        10 => new JsonObject(),
        11 => Nested(random.Next(2, 200)),
        12 => Shape(random),
        _ => new JsonArray(Enumerable.Range(0, random.Next(1, 16)).Select(_ => (JsonNode?)JsonValue.Create(random.NextDouble())).ToArray()),
    };

    private static JsonArray Shape(Random random) =>
        new(Enumerable.Range(0, random.Next(0, 6))
            .Select(_ => (JsonNode?)JsonValue.Create(new[] { -1L, 0, 1, 2, 3, 64, 8_388_600, 8_388_608, 1L << 31, 1L << 62 }[random.Next(10)]))
            .ToArray());

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }
}
