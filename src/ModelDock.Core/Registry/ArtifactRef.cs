namespace ModelDock.Registry;

/// <summary>An artifact in the artifact store: its SHA-256 (lower-case hex) and length in bytes.</summary>
public sealed record ArtifactRef(string Sha256, long Bytes)
{
    public override string ToString() => $"sha256:{Sha256}";
}
