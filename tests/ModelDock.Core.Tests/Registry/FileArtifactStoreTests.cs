using ModelDock.Registry;

namespace ModelDock.Core.Tests.Registry;

public sealed class FileArtifactStoreTests : ArtifactStoreContract
{
    public FileArtifactStoreTests()
    {
        Store = new FileArtifactStore(Folder.Combine("artifacts"));
    }

    internal override IArtifactStore Store { get; }

    internal override Task OverwriteStoredAsync(ArtifactRef artifact, byte[] bytes) =>
        File.WriteAllBytesAsync(Folder.Combine("artifacts", "sha256", artifact.Sha256[..2], artifact.Sha256), bytes);
}
