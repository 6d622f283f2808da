using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Onnx;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary><c>modeldock endpoints ...</c> run as a user runs it: a mistake is one line and a code, never a stack trace.</summary>
public sealed class EndpointsCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-endpoints-");

    [Theory]
    [InlineData(ExitCodes.Usage, "traffic: the percentages sum to 90, not 100", "endpoints", "traffic", "risk", "blue=90")]
    [InlineData(ExitCodes.Usage, "traffic: blue=110 must be between 0 and 100", "endpoints", "traffic", "risk", "blue=110")]
    [InlineData(ExitCodes.Usage, "traffic: 'blue=lots' is not DEPLOYMENT=PERCENT", "endpoints", "traffic", "risk", "blue=lots")]
    [InlineData(ExitCodes.Usage, "traffic: 'blue=60' is not DEPLOYMENT=PERCENT", "endpoints", "traffic", "risk", "blue=40", "blue=60")]
    [InlineData(ExitCodes.Usage, "traffic: endpoint 'risk' has no deployment 'purple'", "endpoints", "traffic", "risk", "purple=100")]
    [InlineData(ExitCodes.Usage, "model: 'fraud' is not MODEL:VERSION or MODEL@ALIAS", "endpoints", "deploy", "risk", "green", "--model", "fraud")]
    [InlineData(ExitCodes.Usage, "use MODEL@ALIAS for an alias", "endpoints", "deploy", "risk", "green", "--model", "fraud:latest")]
    [InlineData(ExitCodes.Usage, "deployment name 'gr\u00e9en'", "endpoints", "deploy", "risk", "gr\u00e9en", "--model", "fraud:1")]
    [InlineData(ExitCodes.Usage, "model: model 'fraud' has no version 9", "endpoints", "deploy", "risk", "green", "--model", "fraud:9")]
    [InlineData(ExitCodes.Refused, "endpoint 'nowhere' not found", "endpoints", "rollback", "nowhere")]
    [InlineData(ExitCodes.Refused, "endpoint 'risk' already exists", "endpoints", "create", "risk")]
    [InlineData(ExitCodes.Refused, "takes 100% of the traffic", "endpoints", "undeploy", "risk", "blue")]
    [InlineData(ExitCodes.Usage, "mirror: percent 60 is above 50", "endpoints", "traffic", "risk", "--mirror", "blue=60")]
    [InlineData(ExitCodes.Usage, "mirror: 'blue' is not DEPLOYMENT=PERCENT", "endpoints", "traffic", "risk", "--mirror", "blue")]
    [InlineData(ExitCodes.Usage, "mirror: endpoint 'risk' has no deployment 'purple'", "endpoints", "traffic", "risk", "--mirror", "purple=10")]
    [InlineData(ExitCodes.Usage, "sticky: 'cookie:session' is not header:NAME or input:NAME", "endpoints", "sticky-key", "risk", "cookie:session")]
    [InlineData(ExitCodes.Usage, "a sticky input must be INT64, INT32 or BYTES", "endpoints", "sticky-key", "risk", "input:input")]
    public async Task Endpoints_BadInput_OneLineNamingTheProblemAndItsCode(int expectedCode, string expected, params string[] args)
    {
        await SetUpAsync();

        var (code, _, errors) = await RunAsync(args);

        Assert.Equal(expectedCode, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("modeldock: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MirrorAndStickyKey_ShownByTrafficStickyKeyAndShow_AndTurnedOffWithNone()
    {
        await SetUpAsync();
        Assert.Equal(ExitCodes.Ok, (await RunAsync("endpoints", "deploy", "risk", "green", "--model", "fraud:1")).Code);

        var split = await RunAsync("endpoints", "traffic", "risk", "blue=90", "green=10", "--mirror", "green=20", "--json");
        var sticky = await RunAsync("endpoints", "sticky-key", "risk", "header:X-Customer", "--json");
        var table = await RunAsync("endpoints", "show", "risk");
        var mirrorOff = await RunAsync("endpoints", "traffic", "risk", "--mirror", "none", "--json");
        var stickyOff = await RunAsync("endpoints", "sticky-key", "risk", "none", "--json");
        var history = await RunAsync("endpoints", "show", "risk", "--history", "--json");

        Assert.All(new[] { split, sticky, table, mirrorOff, stickyOff, history }, r => Assert.True(r.Code == ExitCodes.Ok, r.Errors));
        var mirrored = OnlyEndpoint(split.Output);
        Assert.Equal(("green", 20), (mirrored.GetProperty("mirror").GetProperty("deployment").GetString(), mirrored.GetProperty("mirror").GetProperty("percent").GetInt32()));
        Assert.Equal([90, 10], mirrored.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("traffic").GetInt32()));
        var keyed = OnlyEndpoint(sticky.Output);
        Assert.Equal("header:x-customer", keyed.GetProperty("sticky_key").GetString());
        Assert.Equal(20, keyed.GetProperty("mirror").GetProperty("percent").GetInt32());
        Assert.Contains("mirrored", table.Output, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, OnlyEndpoint(mirrorOff.Output).GetProperty("mirror").ValueKind);
        Assert.Equal(JsonValueKind.Null, OnlyEndpoint(stickyOff.Output).GetProperty("sticky_key").ValueKind);
        Assert.Equal(
            ["traffic blue=90 green=10", "mirror green=20", "sticky header:x-customer", "mirror off", "sticky off"],
            JsonDocument.Parse(history.Output).RootElement.EnumerateArray().Skip(3).Select(r => r.GetProperty("change").GetString()));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private async Task SetUpAsync()
    {
        var file = Path.Combine(_folder.FullName, "fraud.onnx");
        await File.WriteAllBytesAsync(file, DemoModels.Mlp([8, 3], seed: 61).Onnx);
        foreach (var args in new[]
        {
            new[] { "models", "register", "fraud", "--file", file },
            ["endpoints", "create", "risk"],
            ["endpoints", "deploy", "risk", "blue", "--model", "fraud:1"],
        })
        {
            Assert.Equal(ExitCodes.Ok, (await RunAsync(args)).Code);
        }
    }

    private static JsonElement OnlyEndpoint(string json) => Assert.Single(JsonDocument.Parse(json).RootElement.EnumerateArray());

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), [.. args, "--data-dir", Path.Combine(_folder.FullName, "data")]);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }
}
