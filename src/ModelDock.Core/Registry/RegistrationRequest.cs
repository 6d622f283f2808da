namespace ModelDock.Registry;

/// <summary>One version to register: the model file, an optional config file and what is recorded with it.</summary>
internal sealed record RegistrationRequest(string Model, string ModelFile)
{
    public string? ConfigFile { get; init; }

    public string Description { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, string> Lineage { get; init; } = new Dictionary<string, string>();

    public string CreatedBy { get; init; } = Environment.UserName;
}
