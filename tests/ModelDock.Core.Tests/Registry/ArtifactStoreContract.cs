using System.Security.Cryptography;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

/// <summary>What every artifact store must do; the file store and Blob Storage derive from it and answer the same way.</summary>
public abstract class ArtifactStoreContract : IDisposable
{
    protected TempFolder Folder { get; } = new();

    internal abstract IArtifactStore Store { get; }

    [ContractFact]
    public async Task Put_AFileOfSeveralMegabytes_CopiesBackByteForByte()
    {
        var bytes = RandomBytes(9 << 20);
        var file = Write("model.onnx", bytes);

        var artifact = await Store.PutAsync(file, default);
        await Store.CopyToFileAsync(artifact, Folder.Combine("copy.onnx"), default);

        Assert.Equal(new ArtifactRef(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length), artifact);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Folder.Combine("copy.onnx")));
    }

    [ContractFact]
    public async Task Put_SameBytesAgainAndAtOnce_OneReferenceAndStillReadable()
    {
        var bytes = RandomBytes(100_000);
        var file = Write("model.onnx", bytes);

        var first = await Store.PutAsync(file, default);
        var again = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Store.PutAsync(file, default))));
        await Store.CopyToFileAsync(first, Folder.Combine("copy.onnx"), default);

        Assert.All(again, a => Assert.Equal(first, a));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Folder.Combine("copy.onnx")));
    }

    [ContractFact]
    public async Task Put_EmptyFile_RoundTrips()
    {
        var artifact = await Store.PutAsync(Write("empty.onnx", []), default);
        await Store.CopyToFileAsync(artifact, Folder.Combine("copy.onnx"), default);

        Assert.Equal(0, artifact.Bytes);
        Assert.Empty(await File.ReadAllBytesAsync(Folder.Combine("copy.onnx")));
    }

    [ContractFact]
    public async Task Copy_UnknownArtifact_NotFoundAndNoFileLeft()
    {
        var unknown = new ArtifactRef(new string('e', 64), 10);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => Store.CopyToFileAsync(unknown, Folder.Combine("copy.onnx"), default));

        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains($"sha256:{unknown.Sha256}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Folder.Combine("copy.onnx")));
    }

    [ContractFact]
    public async Task Copy_StoredBytesChangedInPlace_CorruptNamingTheHashAndNoFileLeft()
    {
        var bytes = RandomBytes(50_000);
        var artifact = await Store.PutAsync(Write("model.onnx", bytes), default);
        var damaged = bytes.ToArray();
        damaged[25_000] ^= 0xFF;
        await OverwriteStoredAsync(artifact, damaged);

        var error = await Assert.ThrowsAsync<ArtifactCorruptException>(() => Store.CopyToFileAsync(artifact, Folder.Combine("copy.onnx"), default));

        Assert.Equal(artifact, error.Artifact);
        Assert.Contains($"sha256:{artifact.Sha256}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Folder.Combine("copy.onnx")));
    }

    [ContractFact]
    public async Task Copy_StoredBytesTruncated_CorruptSayingTheLengthAndNoFileLeft()
    {
        var bytes = RandomBytes(50_000);
        var artifact = await Store.PutAsync(Write("model.onnx", bytes), default);
        await OverwriteStoredAsync(artifact, bytes[..20_000]);

        var error = await Assert.ThrowsAsync<ArtifactCorruptException>(() => Store.CopyToFileAsync(artifact, Folder.Combine("copy.onnx"), default));

        Assert.Contains("20000 bytes, expected 50000", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Folder.Combine("copy.onnx")));
    }

    public virtual void Dispose()
    {
        Folder.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Replaces the stored bytes behind the store's back, as a bad disk or a careless hand would.</summary>
    internal abstract Task OverwriteStoredAsync(ArtifactRef artifact, byte[] bytes);

    protected string Write(string name, byte[] bytes)
    {
        var file = Folder.Combine(name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    protected static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
