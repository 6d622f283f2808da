using System.IO.Compression;
using ModelDock.Errors;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

/// <summary>A version packaged in one registry and imported into another arrives whole, or not at all.</summary>
public sealed class ModelBundleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task PackageThenImport_AnotherRegistry_SameBytesSignatureConfigAndLineagePlusWhereItCameFrom()
    {
        var source = Registry("source");
        var file = _folder.Combine("fraud.onnx");
        await File.WriteAllBytesAsync(file, DemoModels.Mlp([8, 3], seed: 51).Onnx);
        var config = _folder.Write("config.json", """{"max_batch_size": 4}""");
        var original = await source.RegisterAsync(
            new RegistrationRequest("fraud", file) { ConfigFile = config, Description = "v1", Metrics = new Dictionary<string, double> { ["auc"] = 0.9 }, Lineage = new Dictionary<string, string> { ["code_revision"] = "abc" } },
            default);
        var bundle = _folder.Combine("fraud-1.zip");

        await ModelBundle.WriteAsync(source, original, bundle, default);
        var imported = await ModelBundle.ImportAsync(Registry("target"), bundle, "ci", default);

        Assert.Equal(original.Artifact, imported.Artifact);
        Assert.Equal(original.Config, imported.Config);
        Assert.Equal(original.Signature.Inputs[0].ToString(), imported.Signature.Inputs[0].ToString());
        Assert.Equal(0.9, imported.Metrics["auc"]);
        Assert.Equal("abc", imported.Lineage["code_revision"]);
        Assert.StartsWith("fraud:1 (fraud-1.zip)", imported.Lineage["imported_from"], StringComparison.Ordinal);
        Assert.Equal("ci", imported.CreatedBy);
    }

    [Fact]
    public async Task Import_ArtifactChangedInTheBundle_RefusedNamingBothHashesAndNothingRegistered()
    {
        var source = Registry("source");
        var file = _folder.Combine("fraud.onnx");
        await File.WriteAllBytesAsync(file, DemoModels.Mlp([8, 3], seed: 52).Onnx);
        var bundle = _folder.Combine("fraud-1.zip");
        await ModelBundle.WriteAsync(source, await source.RegisterAsync(new RegistrationRequest("fraud", file), default), bundle, default);
        using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
        {
            zip.GetEntry("model.onnx")!.Delete();
            var entry = zip.CreateEntry("model.onnx");
            await using var stream = entry.Open();
            await stream.WriteAsync(DemoModels.Mlp([8, 3], seed: 53).Onnx);
        }

        var target = Registry("target");
        var error = await Assert.ThrowsAsync<ModelDockException>(() => ModelBundle.ImportAsync(target, bundle, "ci", default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("but the manifest says sha256:", error.Message, StringComparison.Ordinal);
        Assert.Empty(await target.Store.ListModelsAsync(default));
    }

    [Theory]
    [InlineData("not a zip at all")]
    [InlineData("")]
    public async Task Import_NotABundle_InvalidInputNamingTheFile(string content)
    {
        var bundle = _folder.Write("broken.zip", content);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => ModelBundle.ImportAsync(Registry("target"), bundle, "ci", default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("broken.zip", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_ZipWithoutManifest_InvalidInput()
    {
        var bundle = _folder.Combine("empty.zip");
        using (ZipFile.Open(bundle, ZipArchiveMode.Create))
        {
        }

        var error = await Assert.ThrowsAsync<ModelDockException>(() => ModelBundle.ImportAsync(Registry("target"), bundle, "ci", default));

        Assert.Contains("has no manifest.json", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private ModelRegistry Registry(string name) =>
        new(new SqliteModelRegistryStore(_folder.Combine(name)), new FileArtifactStore(_folder.Combine(name, "artifacts")), TimeProvider.System);
}
