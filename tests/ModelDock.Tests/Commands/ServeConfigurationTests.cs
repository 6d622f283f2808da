using System.Net;
using System.Net.Sockets;
using ModelDock.Cli;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// <c>modeldock serve</c> reads appsettings.json from its working directory, then <c>MODELDOCK__*</c> environment
/// variables, then flags, each overriding the one before; a bad value from any of them stops it at start, in one line.
/// </summary>
public sealed class ServeConfigurationTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-config-");

    [Fact]
    public async Task Serve_SettingInEveryLayer_FlagBeatsEnvironmentBeatsAppsettings()
    {
        var (fileHttp, environmentHttp, flagHttp, fileGrpc, environmentGrpc) = (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
        WriteAppsettings($$$"""{"ModelDock": {"HttpPort": {{{fileHttp}}}, "GrpcPort": {{{fileGrpc}}}}}""");
        using var serve = Serve(
            new() { ["MODELDOCK__HTTPPORT"] = $"{environmentHttp}", ["MODELDOCK__GRPCPORT"] = $"{environmentGrpc}" },
            "--http-port", $"{flagHttp}");

        (await Readiness.WaitAsync(serve, flagHttp, Patience)).Dispose();

        Assert.True(Listening(environmentGrpc), "gRPC takes the environment's port over appsettings.json");
        Assert.False(Listening(fileGrpc));
        Assert.False(Listening(environmentHttp), "REST takes the flag's port over the environment's");
        Assert.False(Listening(fileHttp));
    }

    [Fact]
    public async Task Serve_AppsettingsOnly_IsRead()
    {
        var (http, grpc) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        WriteAppsettings($$$"""{"ModelDock": {"HttpPort": {{{http}}}, "GrpcPort": {{{grpc}}}, "ModelRepository": {"PollInterval": "00:00:00"} } }""");
        using var serve = Serve([]);

        (await Readiness.WaitAsync(serve, http, Patience)).Dispose();

        Assert.True(Listening(grpc));
    }

    [Theory]
    [InlineData("MODELDOCK__MAXCONCURRENTINFERENCES", "0", "MaxConcurrentInferences 0 must be positive")]
    [InlineData("MODELDOCK__HOST", "example.org", "Host 'example.org' must be an IPv4 or IPv6 address")]
    [InlineData("MODELDOCK__HTTPPORT", "eighty", "'eighty' at 'ModelDock:HttpPort'")]
    [InlineData("MODELDOCK__MODELREPOSITORY__POLLINTERVAL", "-00:00:01", "PollInterval must be zero (off) or positive")]
    [InlineData("MODELDOCK__OTLP__ENDPOINT", "collector:4317", "Otlp:Endpoint 'collector:4317' must be an absolute http or https URL")]
    [InlineData("MODELDOCK__METRICS__ENABLED", "maybe", "'maybe' at 'ModelDock:Metrics:Enabled'")]
    public async Task Serve_BadEnvironmentValue_OneLineNamingItAndUsageCode(string variable, string value, string expected)
    {
        using var serve = Serve(new() { [variable] = value });

        var code = await serve.WaitForExitAsync(Patience);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, Assert.Single(Lines(serve.Errors)), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_folder.FullName, "data", "demo-models")), "nothing is written before the settings are valid");
    }

    [Theory]
    [InlineData("""{"ModelDock": {"GrpcPort": 99999}}""", "GrpcPort 99999 must be between 0 and 65535")]
    [InlineData("""{"ModelDock": {"MaxRequestBodyBytes": "lots"}}""", "'lots' at 'ModelDock:MaxRequestBodyBytes'")]
    [InlineData("""{"ModelDock": {"HttpPort": 8000,""", "appsettings.json")]
    [InlineData("""[1, 2, 3]""", "appsettings.json")]
    [InlineData("""{"ModelDock": {"ModelRepository": {"PollInterval": "-00:00:01"}, "PayloadLog": {"DefaultSampleRate": 500}}}""", "PollInterval must be zero (off) or positive")]
    [InlineData("""{"ModelDock": {"ModelRepository": {"PollInterval": "-00:00:01"}, "PayloadLog": {"DefaultSampleRate": 500}}}""", "DefaultSampleRate 500 must be a percent")]
    [InlineData("""{"Logging": {"LogLevel": {"Default": "Loud"}}}""", "Invalid Logging settings: Configuration value 'Loud' is not supported.")]
    public async Task Serve_BadAppsettings_OneLineNamingItAndUsageCode(string appsettings, string expected)
    {
        WriteAppsettings(appsettings);
        using var serve = Serve([]);

        var code = await serve.WaitForExitAsync(Patience);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, Assert.Single(Lines(serve.Errors)), StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private ModelDockProcess Serve(Dictionary<string, string> environment, params string[] flags) =>
        ModelDockProcess.Start(
            _folder.FullName,
            environment,
            ["serve", "--demo", "--data-dir", Path.Combine(_folder.FullName, "data"), .. flags]);

    private void WriteAppsettings(string json) => File.WriteAllText(Path.Combine(_folder.FullName, "appsettings.json"), json);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
