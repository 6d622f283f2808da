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
    public async Task Endpoints_BadInput_OneLineNamingTheProblemAndItsCode(int expectedCode, string expected, params string[] args)
    {
        await SetUpAsync();

        var (code, errors) = await RunAsync(args);

        Assert.Equal(expectedCode, code);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("modeldock: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
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

    private async Task<(int Code, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), [.. args, "--data-dir", Path.Combine(_folder.FullName, "data")]);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Errors);
    }
}
