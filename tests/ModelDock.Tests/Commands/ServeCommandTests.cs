using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Features.Registry;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Hosting;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Tests.Commands;

public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "modeldock-serve-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Serve_Demo_ServesTheGeneratedMlpOverRest()
    {
        var httpPort = LoopbackPorts.Free();
        var grpcPort = LoopbackPorts.Free();
        using var stop = new CancellationTokenSource();
        var run = Invoke(stop.Token, "serve", "--demo", "--data-dir", _dataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{grpcPort}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };

        await Readiness.WaitAsync(http, TimeSpan.FromSeconds(30), () => (run.IsCompleted, "see the test output"));
        var input = ReferenceMath.RandomInputs(64, seed: 3);
        var response = await http.PostAsJsonAsync(
            $"v2/models/{DemoModelRepository.MlpModelName}/infer",
            new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 64 }, datatype = "FP32", data = input } } });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var actual = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var model = DemoModels.ModelS();
        var expected = ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, rows: 1);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance: 1e-5);
        }

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run);
    }

    [Fact]
    public async Task Serve_NoRepositoryFolder_ServesTheRegistrysEndpointsFromTheDataFolder()
    {
        var model = DemoModels.Mlp([8, 3], seed: 41);
        var file = Path.Combine(Directory.CreateDirectory(_dataDir).FullName, "fraud.onnx");
        await File.WriteAllBytesAsync(file, model.Onnx);
        var storage = RegistryStorage.Local(_dataDir);
        await storage.Registry.RegisterAsync(new RegistrationRequest("fraud", file), default);
        var endpoints = storage.Manager;
        await endpoints.CreateAsync("risk", "test", default);
        await endpoints.DeployAsync("risk", "blue", "fraud:1", force: false, "test", default);
        var httpPort = LoopbackPorts.Free();
        using var stop = new CancellationTokenSource();
        var run = Invoke(stop.Token, "serve", "--data-dir", _dataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };

        await Readiness.WaitAsync(http, TimeSpan.FromSeconds(30), () => (run.IsCompleted, "see the test output"));
        var input = ReferenceMath.RandomInputs(8, seed: 5);
        using var response = await http.PostAsJsonAsync(
            "v2/models/risk/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = input } } });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var actual = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        Assert.Equal("blue", Assert.Single(response.Headers.GetValues("x-modeldock-deployment")));
        Assert.All(ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, 1).Zip(actual), p => Assert.Equal(p.First, p.Second, tolerance: 1e-5));
        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Ok, await run);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Theory]
    [InlineData("serve", "--demo", "--model-repository", "models")]
    [InlineData("serve", "--demo", "--repository-poll-secs", "-1")]
    [InlineData("serve", "--demo", "--repository-poll-secs", "often")]
    [InlineData("serve", "--demo", "--http-port", "eighty")]
    [InlineData("serve", "--demo", "--http-port", "70000")]
    [InlineData("serve", "--demo", "--http-port", "9000", "--grpc-port", "9000")]
    [InlineData("serve", "--demo", "--host", "example.org")]
    [InlineData("serve", "--demo", "--max-request-bytes", "0")]
    [InlineData("serve", "--demo", "--online-store", "memcached")]
    [InlineData("serve", "--demo", "--online-store", "redis")]
    [InlineData("serve", "--demo", "--metrics", "maybe")]
    [InlineData("serve", "--demo", "--metrics")]
    [InlineData("serv", "--demo")]
    public async Task Serve_BadFlags_ExitsWithUsageCodeWithoutStarting(params string[] args)
    {
        var (code, errors) = await RunAsync(CancellationToken.None, [.. args, "--data-dir", _dataDir]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--help", errors, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "demo-models")));
    }

    [Theory]
    [InlineData(ModelDockListener.Rest, "REST", "--http-port")]
    [InlineData(ModelDockListener.Grpc, "gRPC", "--grpc-port")]
    public async Task Serve_PortInUse_OneLineNamingTheFlagAndCannotListenCode(ModelDockListener taken, string name, string flag)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var busy = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var free = LoopbackPorts.Free();
        var (http, grpc) = taken == ModelDockListener.Rest ? (busy, free) : (free, busy);

        var (code, errors) = await RunAsync(CancellationToken.None, "serve", "--demo", "--data-dir", _dataDir, "--http-port", $"{http}", "--grpc-port", $"{grpc}");

        Assert.Equal(ExitCodes.CannotListen, code);
        Assert.Equal($"modeldock: {name} port {busy} on 127.0.0.1 is already in use ({flag})", Assert.Single(Lines(errors)));
    }

    [Fact]
    public async Task Serve_MissingRepository_OneLineWithItsPathAndModelRepositoryCode()
    {
        var missing = Path.Combine(_dataDir, "no-such-repository");

        var (code, errors) = await RunAsync(CancellationToken.None, "serve", "--model-repository", missing, "--http-port", "0", "--grpc-port", "0");

        Assert.Equal(ExitCodes.ModelRepository, code);
        Assert.Equal($"modeldock: model repository '{missing}' does not exist or is not a folder (--model-repository)", Assert.Single(Lines(errors)));
    }

    [Fact]
    public async Task Serve_UnreadableFeatureRegistry_OneLineAndFeatureStoreCode()
    {
        Directory.CreateDirectory(_dataDir);
        var registry = Path.Combine(_dataDir, FeatureRegistry.DatabaseFileName);
        await File.WriteAllTextAsync(registry, "this is not a SQLite database, it is long enough to have a header page");

        var (code, errors) = await RunAsync(CancellationToken.None, "serve", "--demo", "--data-dir", _dataDir, "--http-port", "0", "--grpc-port", "0");

        Assert.Equal(ExitCodes.FeatureStore, code);
        var line = Assert.Single(Lines(errors));
        Assert.StartsWith($"modeldock: cannot read the feature registry '{registry}': ", line, StringComparison.Ordinal);
        Assert.EndsWith("(--data-dir)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Help_ExitsOk()
    {
        var (code, _) = await RunAsync(CancellationToken.None, "serve", "--help");

        Assert.Equal(ExitCodes.Ok, code);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static Task<int> Invoke(CancellationToken cancellationToken, params string[] args) =>
        ModelDockCli.RunAsync(args, new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = TextWriter.Null, Output = TextWriter.Null }, cancellationToken);

    /// <summary>Runs the command line as the executable does and returns its exit code and what it wrote to stderr.</summary>
    private static async Task<(int Code, string Errors)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var errors = new StringWriter();
        var code = await ModelDockCli.RunAsync(args, new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = errors, Output = TextWriter.Null }, cancellationToken);
        return (code, errors.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

}
