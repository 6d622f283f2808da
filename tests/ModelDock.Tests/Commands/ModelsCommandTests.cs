using System.Security.Cryptography;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Onnx;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary><c>modeldock models ...</c> run as a user runs it, against a data folder of its own.</summary>
public sealed class ModelsCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-models-");

    [Fact]
    public async Task Models_RegisterShowAliasDelete_RecordsEverythingAndRefusesToDeleteAnAliasedVersion()
    {
        var onnx = DemoModels.Mlp([8, 3], seed: 11).Onnx;
        var file = Path.Combine(_folder.FullName, "fraud.onnx");
        await File.WriteAllBytesAsync(file, onnx);

        var register = await RunAsync("models", "register", "fraud", "--file", file, "--description", "first cut",
            "--tag", "team=risk", "--metric", "auc=0.91", "--lineage", "code_revision=abc123", "--json");
        var again = await RunAsync("models", "register", "fraud", "--file", file);
        var alias = await RunAsync("models", "alias", "fraud", "champion", "1");
        var show = await RunAsync("models", "show", "fraud@champion", "--json");
        var refused = await RunAsync("models", "delete", "fraud:1");
        var unalias = await RunAsync("models", "unalias", "fraud", "champion");
        var deleted = await RunAsync("models", "delete", "fraud:1");
        var history = await RunAsync("models", "aliases", "fraud", "--json");
        var list = await RunAsync("models", "list", "--json");

        Assert.Equal([ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok], new[] { register, again, alias, show }.Select(r => r.Code));
        var version = Assert.Single(JsonDocument.Parse(show.Output).RootElement.EnumerateArray());
        Assert.Equal(1, version.GetProperty("version").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(onnx)), version.GetProperty("artifact").GetProperty("sha256").GetString());
        Assert.Equal("first cut", version.GetProperty("description").GetString());
        Assert.Equal("risk", version.GetProperty("tags").GetProperty("team").GetString());
        Assert.Equal(0.91, version.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal("abc123", version.GetProperty("lineage").GetProperty("code_revision").GetString());
        Assert.Equal("FP32", version.GetProperty("inputs")[0].GetProperty("datatype").GetString());

        Assert.Equal(ExitCodes.Refused, refused.Code);
        Assert.Contains("in use by alias 'champion'", refused.Errors, StringComparison.Ordinal);
        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok), (unalias.Code, deleted.Code));
        Assert.Equal([1L, 0L], JsonDocument.Parse(history.Output).RootElement.EnumerateArray().Select(m => m.GetProperty("to").ValueKind == JsonValueKind.Null ? 0L : m.GetProperty("to").GetInt64()));
        var model = Assert.Single(JsonDocument.Parse(list.Output).RootElement.EnumerateArray());
        Assert.Equal((2, 1), (model.GetProperty("latest_version").GetInt64(), model.GetProperty("versions").GetInt32()));
    }

    [Fact]
    public async Task PackageThenImport_IntoAnotherDataFolder_RegistersTheSameArtifact()
    {
        var onnx = DemoModels.Mlp([8, 3], seed: 13).Onnx;
        var file = Path.Combine(_folder.FullName, "fraud.onnx");
        await File.WriteAllBytesAsync(file, onnx);
        var bundle = Path.Combine(_folder.FullName, "fraud.zip");
        var other = Path.Combine(_folder.FullName, "other-data");

        var register = await RunAsync("models", "register", "fraud", "--file", file);
        var package = await RunAsync("models", "package", "fraud:1", "--out", bundle);
        using var import = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), "models", "import", bundle, "--data-dir", other, "--json");
        var imported = await import.WaitForExitAsync(Patience);

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok), (register.Code, package.Code, imported));
        var version = Assert.Single(JsonDocument.Parse(import.Output).RootElement.EnumerateArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(onnx)), version.GetProperty("artifact").GetProperty("sha256").GetString());
        Assert.StartsWith("fraud:1", version.GetProperty("lineage").GetProperty("imported_from").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_FileThatIsNotAModel_OneLineAndNothingRegistered()
    {
        var file = Path.Combine(_folder.FullName, "notes.onnx");
        await File.WriteAllTextAsync(file, "not a model");

        var register = await RunAsync("models", "register", "fraud", "--file", file);
        var list = await RunAsync("models", "list", "--json");

        Assert.Equal(ExitCodes.Usage, register.Code);
        Assert.StartsWith("modeldock: ", Assert.Single(Lines(register.Errors)), StringComparison.Ordinal);
        Assert.Contains("is not a model ONNX Runtime can load", register.Errors, StringComparison.Ordinal);
        Assert.Equal("[]", list.Output.Trim());
    }

    [Theory]
    [InlineData("models", "register", "fraud")]
    [InlineData("models", "register", "fraud", "--file", "a.onnx", "--folder", ".")]
    [InlineData("models", "register", "fraud", "--file", "a.onnx", "--metric", "auc=high")]
    [InlineData("models", "register", "fraud", "--file", "a.onnx", "--tag", "novalue")]
    [InlineData("models", "alias", "fraud", "champion", "one")]
    [InlineData("models", "delete", "fraud")]
    public async Task Models_BadArguments_UsageCode(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, result.Code);
        Assert.NotEmpty(result.Errors);
    }

    [Fact]
    public async Task Show_UnknownModel_RefusedNamingIt()
    {
        var result = await RunAsync("models", "show", "ghost:1");

        Assert.Equal(ExitCodes.Refused, result.Code);
        Assert.Contains("model 'ghost' is not registered", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_KilledPartWay_LeavesNoVersionOrAWholeOne()
    {
        var onnx = DemoModels.Mlp([1024, 4096, 1024], seed: 12).Onnx;
        var file = Path.Combine(_folder.FullName, "big.onnx");
        await File.WriteAllBytesAsync(file, onnx);
        var data = Path.Combine(_folder.FullName, "data");

        foreach (var delay in new[] { 100, 300, 600, 1000, 2000 })
        {
            using var register = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), "models", "register", "big", "--file", file, "--data-dir", data);
            await Task.Delay(delay);
            register.Kill();
        }

        var show = await RunAsync("models", "show", "big", "--json");

        var stored = Directory.Exists(Path.Combine(data, "artifacts", "sha256"))
            ? Directory.GetFiles(Path.Combine(data, "artifacts", "sha256"), "*", SearchOption.AllDirectories)
            : [];
        Assert.All(stored, path => Assert.Equal(Path.GetFileName(path), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)))));
        if (show.Code == ExitCodes.Ok)
        {
            var expected = Convert.ToHexStringLower(SHA256.HashData(onnx));
            Assert.All(
                JsonDocument.Parse(show.Output).RootElement.EnumerateArray(),
                v => Assert.Equal(expected, v.GetProperty("artifact").GetProperty("sha256").GetString()));
            Assert.Single(stored);
        }
        else
        {
            Assert.Equal(ExitCodes.Refused, show.Code);
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), [.. args, "--data-dir", Path.Combine(_folder.FullName, "data")]);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }
}
