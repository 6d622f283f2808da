using System.Text.Json.Serialization;

namespace ModelDock.Fuzz.Engine;

/// <summary>A finding as written to the output folder and read back by <c>--replay</c>.</summary>
internal sealed record SavedFinding(
    [property: JsonPropertyName("input")] FuzzInput Input,
    [property: JsonPropertyName("finding")] string Finding);
