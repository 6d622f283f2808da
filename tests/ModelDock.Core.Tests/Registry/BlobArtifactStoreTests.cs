using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

[RequiresService(TestServices.AzuriteVariable)]
public sealed class BlobArtifactStoreTests : ArtifactStoreContract
{
    private readonly TestBlobContainer _container = new();

    public BlobArtifactStoreTests()
    {
        Store = _container.Store();
    }

    internal override IArtifactStore Store { get; }

    [AzuriteFact]
    public async Task Put_CancelledAfterTheFirstBlock_NoBlobUnderTheHashAndALaterPutStoresIt()
    {
        var bytes = RandomBytes(12 << 20);
        var file = Write("model.onnx", bytes);
        using var cancel = new CancellationTokenSource();
        var options = new BlobClientOptions();
        options.AddPolicy(new CancelAfterFirstBlock(cancel), HttpPipelinePosition.PerCall);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _container.Store(options).PutAsync(file, cancel.Token));
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var blob = _container.Client.GetBlockBlobClient(BlobArtifactStore.BlobName(sha256));
        var uncommitted = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks;
        var visible = (await blob.ExistsAsync()).Value;
        var missing = await Assert.ThrowsAsync<ModelDockException>(() =>
            Store.CopyToFileAsync(new ArtifactRef(sha256, bytes.Length), Folder.Combine("copy.onnx"), default));
        var stored = await Store.PutAsync(file, default);
        await Store.CopyToFileAsync(stored, Folder.Combine("copy.onnx"), default);

        Assert.NotEmpty(uncommitted);
        Assert.False(visible);
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Folder.Combine("copy.onnx")));
    }

    [AzuriteFact]
    public async Task Put_ContainerMissing_CreatesItAndNamesTheBlobByHash()
    {
        var artifact = await Store.PutAsync(Write("model.onnx", RandomBytes(1000)), default);

        var blob = _container.Client.GetBlobClient($"sha256/{artifact.Sha256}");
        Assert.Equal(1000, (await blob.GetPropertiesAsync()).Value.ContentLength);
    }

    public override void Dispose()
    {
        _container.Dispose();
        base.Dispose();
    }

    internal override async Task OverwriteStoredAsync(ArtifactRef artifact, byte[] bytes) =>
        await _container.Client.GetBlobClient(BlobArtifactStore.BlobName(artifact.Sha256)).UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);

    /// <summary>Cancels the upload once the service has acknowledged one staged block, so the cut falls mid-upload every time.</summary>
    private sealed class CancelAfterFirstBlock(CancellationTokenSource cancel) : HttpPipelineSynchronousPolicy
    {
        public override void OnReceivedResponse(HttpMessage message)
        {
            if (message.Request.Uri.Query.Contains("comp=block&", StringComparison.Ordinal) || message.Request.Uri.Query.EndsWith("comp=block", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }
    }
}
