using ModelDock.Runtime;

namespace ModelDock.Registry;

/// <summary>What a registration writes; the store assigns the version number and the time.</summary>
internal sealed record ModelVersionDraft(
    string Model,
    ArtifactRef Artifact,
    ModelSignature Signature,
    string? Config,
    string Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Lineage,
    string CreatedBy);
