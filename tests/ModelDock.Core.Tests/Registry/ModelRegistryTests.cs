using System.Security.Cryptography;
using ModelDock.Errors;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

/// <summary>Registration over the embedded stores: what is checked before anything is written, and how artifacts are kept.</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelRegistry _registry;

    public ModelRegistryTests()
    {
        _registry = new ModelRegistry(
            new SqliteModelRegistryStore(_folder.Combine("data")),
            new FileArtifactStore(_folder.Combine("data", "artifacts")),
            TimeProvider.System);
    }

    [Fact]
    public async Task Register_OnnxFile_StoresTheBytesUnderTheirHashWithTheSignatureTheyDeclare()
    {
        var model = DemoModels.Mlp([8, 16, 3], seed: 1);
        var file = Write("mlp.onnx", model.Onnx);

        var version = await _registry.RegisterAsync(new RegistrationRequest("fraud", file) { Description = "first" }, default);
        var copy = _folder.Combine("copy.onnx");
        await _registry.Artifacts.CopyToFileAsync(version.Artifact, copy, default);

        Assert.Equal(1, version.Version);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(model.Onnx)), version.Artifact.Sha256);
        Assert.Equal(model.Onnx.Length, version.Artifact.Bytes);
        Assert.Equal(model.Onnx, await File.ReadAllBytesAsync(copy));
        Assert.Equal(DemoModels.MlpInput, Assert.Single(version.Signature.Inputs).Name);
        Assert.Equal([-1, 8], version.Signature.Inputs[0].Shape);
    }

    [Fact]
    public async Task Register_FileThatIsNotAModel_InvalidInputAndNothingStored()
    {
        var file = Write("broken.onnx", [1, 2, 3, 4]);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _registry.RegisterAsync(new RegistrationRequest("fraud", file), default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("is not a model ONNX Runtime can load", error.Message, StringComparison.Ordinal);
        Assert.Empty(await _registry.Store.ListModelsAsync(default));
        Assert.False(Directory.Exists(_folder.Combine("data", "artifacts", "sha256")));
    }

    [Fact]
    public async Task Register_SameBytesTwice_TwoVersionsOneArtifact()
    {
        var file = Write("mlp.onnx", DemoModels.Mlp([8, 3], seed: 2).Onnx);

        var first = await _registry.RegisterAsync(new RegistrationRequest("fraud", file), default);
        var second = await _registry.RegisterAsync(new RegistrationRequest("fraud", file), default);

        Assert.Equal((1, 2), (first.Version, second.Version));
        Assert.Equal(first.Artifact, second.Artifact);
        Assert.Single(Directory.GetFiles(_folder.Combine("data", "artifacts", "sha256"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Register_YamlConfig_IsCheckedAndStoredAsJson()
    {
        var file = Write("mlp.onnx", DemoModels.Mlp([8, 3], seed: 3).Onnx);
        var config = _folder.Write("config.yaml", "max_batch_size: 8\ndynamic_batching:\n  max_queue_delay_microseconds: 100\n");
        var wrong = _folder.Write("wrong.yaml", "max_batch_size: 8\ninput:\n  - name: nope\n    data_type: TYPE_FP32\n    dims: [8]\n");

        var version = await _registry.RegisterAsync(new RegistrationRequest("fraud", file) { ConfigFile = config }, default);
        var error = await Assert.ThrowsAsync<ModelDockException>(() => _registry.RegisterAsync(new RegistrationRequest("fraud", file) { ConfigFile = wrong }, default));

        Assert.Equal("""{"max_batch_size":8,"dynamic_batching":{"max_queue_delay_microseconds":100}}""", version.Config);
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
        Assert.Single(await _registry.Store.ListVersionsAsync("fraud", default));
    }

    [Fact]
    public async Task RegisterFolder_TritonLayout_EachVersionInOrderWithItsFolderRecorded()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion("ranker", 3, DemoModels.Mlp([8, 3], seed: 4).Onnx);
        repository.AddVersion("ranker", 10, DemoModels.Mlp([8, 3], seed: 5).Onnx);
        repository.WriteConfig("ranker", """{"max_batch_size": 4}""");

        var versions = await _registry.RegisterFolderAsync(Path.Combine(repository.Path, "ranker"), new RegistrationRequest("ranker", string.Empty), default);

        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(["3", "10"], versions.Select(v => v.Lineage["source_folder_version"]));
        Assert.All(versions, v => Assert.Equal("""{"max_batch_size": 4}""", v.Config));
    }

    [Fact]
    public async Task RegisterFolder_OneVersionBroken_NothingRegistered()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion("ranker", 1, DemoModels.Mlp([8, 3], seed: 4).Onnx);
        repository.AddVersion("ranker", 2, [0, 1, 2]);

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => _registry.RegisterFolderAsync(Path.Combine(repository.Path, "ranker"), new RegistrationRequest("ranker", string.Empty), default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Empty(await _registry.Store.ListModelsAsync(default));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("naïve")]
    public async Task Register_BadModelName_InvalidInputNamingIt(string name)
    {
        var file = Write("mlp.onnx", DemoModels.Mlp([8, 3], seed: 6).Onnx);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _registry.RegisterAsync(new RegistrationRequest(name, file), default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains($"model name '{name}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetAlias_AllDigits_RefusedAsItWouldReadAsAVersion()
    {
        await _registry.RegisterAsync(new RegistrationRequest("fraud", Write("mlp.onnx", DemoModels.Mlp([8, 3], seed: 7).Onnx)), default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _registry.SetAliasAsync("fraud", "2", 1, "alice", default));
        await _registry.SetAliasAsync("fraud", "champion", 1, "alice", default);

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Equal(1, (await _registry.GetAsync("fraud", "champion", default)).Version);
    }

    [Fact]
    public async Task CopyToFile_StoredBytesChanged_CorruptNamingTheHashAndNoCopyLeft()
    {
        var version = await _registry.RegisterAsync(new RegistrationRequest("fraud", Write("mlp.onnx", DemoModels.Mlp([8, 3], seed: 8).Onnx)), default);
        var stored = Directory.GetFiles(_folder.Combine("data", "artifacts", "sha256"), "*", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);
        var copy = _folder.Combine("copy.onnx");

        var error = await Assert.ThrowsAsync<ArtifactCorruptException>(() => _registry.Artifacts.CopyToFileAsync(version.Artifact, copy, default));

        Assert.Contains(version.Artifact.Sha256, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(copy));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private string Write(string name, byte[] bytes)
    {
        var file = _folder.Combine(name);
        File.WriteAllBytes(file, bytes);
        return file;
    }
}
