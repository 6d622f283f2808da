namespace ModelDock.Registry;

/// <summary>Stored bytes no longer match their hash (a bad disk, a hand-edited file, a partial copy); nothing was loaded from them.</summary>
public sealed class ArtifactCorruptException(ArtifactRef artifact, string detail)
    : IOException($"artifact {artifact} is corrupt: {detail}; it was not loaded")
{
    public ArtifactRef Artifact { get; } = artifact;
}
