namespace ModelDock.Endpoints;

/// <summary>One deployment of an endpoint: a registered model version, pinned when deployed (and the alias it was deployed through).</summary>
public sealed record DeploymentSpec(string Name, string Model, long Version, string? Alias);
