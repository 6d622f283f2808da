using ModelDock.Runtime;

namespace ModelDock.Registry;

/// <summary>
/// A registered model version: immutable once written. The artifact is named by its SHA-256 and checked against it
/// on every load; the signature is what the artifact declared when it was registered.
/// </summary>
/// <param name="Config">The model's configuration (Triton's keys, as JSON), or null for the defaults.</param>
/// <param name="Lineage">Where the version came from: training data reference and hash, feature service, code revision, parameters.</param>
public sealed record ModelVersionInfo(
    string Model,
    long Version,
    ArtifactRef Artifact,
    ModelSignature Signature,
    string? Config,
    string Description,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Lineage,
    string CreatedBy,
    DateTimeOffset CreatedAt);
