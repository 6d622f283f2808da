using System.Text.Json;
using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Registry;

/// <summary>How the registry stores signatures and key/value maps as text, the same in every metadata store and bundle.</summary>
internal static class RegistryJson
{
    public static string Signature(ModelSignature signature) => JsonSerializer.Serialize(new SignatureText(Specs(signature.Inputs), Specs(signature.Outputs)));

    public static ModelSignature ReadSignature(string json)
    {
        var text = JsonSerializer.Deserialize<SignatureText>(json) ?? throw new InvalidDataException("a stored signature is empty");
        return new ModelSignature(Tensors(text.Inputs), Tensors(text.Outputs));
    }

    public static string Map<T>(IReadOnlyDictionary<string, T> map) =>
        JsonSerializer.Serialize(new SortedDictionary<string, T>(map.ToDictionary(), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, T> ReadMap<T>(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, T>>(json) ?? [];

    private static SpecText[] Specs(IReadOnlyList<TensorSpec> specs) => [.. specs.Select(s => new SpecText(s.Name, s.DataType.ToWireName(), s.Shape))];

    private static TensorSpec[] Tensors(SpecText[] specs) =>
        [.. specs.Select(s => new TensorSpec(s.Name, DataTypes.TryParse(s.Datatype, out var type) ? type : throw new InvalidDataException($"a stored signature names datatype '{s.Datatype}'"), s.Shape))];

    private sealed record SignatureText(SpecText[] Inputs, SpecText[] Outputs);

    private sealed record SpecText(string Name, string Datatype, long[] Shape);
}
