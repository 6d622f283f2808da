using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Onnx;
using ModelDock.Testing;
using Npgsql;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// Replicas of <c>modeldock serve</c> that share one registry (PostgreSQL for metadata, Blob Storage for artifacts)
/// configured only through MODELDOCK__REGISTRY__* variables, each with its own data folder for its local cache, and
/// changed through the CLI with the same variables.
/// </summary>
public sealed class SharedRegistryTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(5);
    private static readonly float[] Input = ReferenceMath.RandomInputs(8, seed: 9);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-shared-");
    private readonly List<ModelDockProcess> _servers = [];
    private readonly TestPostgresSchema _schema;
    private readonly TestBlobContainer _container;

    public SharedRegistryTests()
    {
        if (TestServices.Postgres is null || TestServices.Azurite is null)
        {
            _schema = null!;
            _container = null!;
            return;
        }

        _schema = new TestPostgresSchema();
        _container = new TestBlobContainer();
    }

    [ServicesFact(TestServices.PostgresVariable, TestServices.AzuriteVariable)]
    public async Task TwoReplicas_EndpointChangedThroughTheCliOrEitherServer_BothServeEachChangeWithinFiveSeconds()
    {
        var environment = Environment(_schema.ConnectionString);
        var (v1, v2) = (DemoModels.Mlp([8, 3], seed: 71), DemoModels.Mlp([8, 3], seed: 72));
        await CliAsync(environment, "models", "register", "fraud", "--file", await WriteAsync("v1.onnx", v1.Onnx));
        await CliAsync(environment, "models", "register", "fraud", "--file", await WriteAsync("v2.onnx", v2.Onnx));
        await CliAsync(environment, "endpoints", "create", "risk");
        await CliAsync(environment, "endpoints", "deploy", "risk", "blue", "--model", "fraud:1");
        var replicas = await Task.WhenAll(StartServeAsync(environment, "replica-a"), StartServeAsync(environment, "replica-b"));

        await Task.WhenAll(replicas.Select(r => ConvergeAsync(r, "blue", Expected(v1), Patience)));

        await CliAsync(environment, "endpoints", "deploy", "risk", "green", "--model", "fraud:2");
        await CliAsync(environment, "endpoints", "traffic", "risk", "blue=0", "green=100");
        await Task.WhenAll(replicas.Select(r => ConvergeAsync(r, "green", Expected(v2), Convergence)));

        await CliAsync(environment, "endpoints", "traffic", "risk", "blue=100", "green=0");
        await Task.WhenAll(replicas.Select(r => ConvergeAsync(r, "blue", Expected(v1), Convergence)));

        // A change made through one replica's admin API reaches the other through the shared store.
        using var changed = await replicas[0].Http.PutAsJsonAsync("api/endpoints/risk/traffic", new { weights = new { blue = 0, green = 100 } });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await Task.WhenAll(replicas.Select(r => ConvergeAsync(r, "green", Expected(v2), Convergence)));
    }

    [ServicesFact(TestServices.PostgresVariable, TestServices.AzuriteVariable)]
    public async Task Replica_PostgresBecomesUnreachable_LoadedEndpointKeepsServingAndAdminCallsAnswer503()
    {
        var direct = new NpgsqlConnectionStringBuilder(_schema.ConnectionString);
        var forwarder = new TcpForwarder(direct.Host!, direct.Port);
        await using var _ = forwarder;
        var model = DemoModels.Mlp([8, 3], seed: 73);
        var viaForwarder = new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { Host = "127.0.0.1", Port = forwarder.Port, Timeout = 3 };
        var environment = Environment(viaForwarder.ConnectionString);
        await CliAsync(environment, "models", "register", "fraud", "--file", await WriteAsync("v1.onnx", model.Onnx));
        await CliAsync(environment, "endpoints", "create", "risk");
        await CliAsync(environment, "endpoints", "deploy", "risk", "blue", "--model", "fraud:1");
        var replica = await StartServeAsync(environment, "replica");
        await ConvergeAsync(replica, "blue", Expected(model), Patience);

        await forwarder.DisposeAsync();
        var cutOff = Stopwatch.StartNew();
        while (!Logs(replica).Contains("Reading the endpoints failed", StringComparison.Ordinal) && cutOff.Elapsed < Patience)
        {
            await Task.Delay(200);
        }

        var (status, deployment, outputs) = await InferAsync(replica.Http);
        using var admin = await replica.Http.GetAsync("api/endpoints");

        Assert.Contains($"PostgreSQL at 127.0.0.1:{forwarder.Port} is unreachable", Logs(replica), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "blue"), (status, deployment));
        AssertClose(Expected(model), outputs);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, admin.StatusCode);
        Assert.Contains("unreachable", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(replica.Process.HasExited);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        _schema?.Dispose();
        _container?.Dispose();
        _folder.Delete(recursive: true);
    }

    private static float[] Expected(MlpModel model) => ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, Input, 1);

    private static string Logs(Replica replica) => replica.Process.Output + replica.Process.Errors;

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, tolerance: 1e-5));
    }

    private static async Task<(HttpStatusCode Status, string? Deployment, float[] Outputs)> InferAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync(
            "v2/models/risk/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = Input } } });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null, []);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var outputs = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        var deployment = response.Headers.TryGetValues("x-modeldock-deployment", out var values) ? values.Single() : null;
        return (response.StatusCode, deployment, outputs);
    }

    /// <summary>Polls until the replica routes to <paramref name="deployment"/> and answers with its model's outputs.</summary>
    private static async Task ConvergeAsync(Replica replica, string deployment, float[] expected, TimeSpan within)
    {
        var waited = Stopwatch.StartNew();
        (HttpStatusCode Status, string? Deployment, float[] Outputs) last = default;
        while (waited.Elapsed < within)
        {
            Assert.False(replica.Process.HasExited, $"serve exited: {replica.Process.Errors}");
            last = await InferAsync(replica.Http);
            if (last.Status == HttpStatusCode.OK && last.Deployment == deployment)
            {
                AssertClose(expected, last.Outputs);
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{replica.Name} still answered {last.Status} from '{last.Deployment}' {within.TotalSeconds} s after the change, not from '{deployment}': {replica.Process.Errors}");
    }

    private Dictionary<string, string> Environment(string postgres) => new()
    {
        ["MODELDOCK__REGISTRY__POSTGRES"] = postgres,
        ["MODELDOCK__REGISTRY__BLOBSTORAGE"] = _container.ConnectionString,
        ["MODELDOCK__REGISTRY__BLOBCONTAINER"] = _container.Name,
    };

    private async Task<string> WriteAsync(string name, byte[] bytes)
    {
        var file = Path.Combine(_folder.FullName, name);
        await File.WriteAllBytesAsync(file, bytes);
        return file;
    }

    /// <summary>Runs a CLI command with its own data folder, so whatever it changes can only have gone through the shared stores.</summary>
    private async Task CliAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, environment, [.. args, "--data-dir", Path.Combine(_folder.FullName, "cli-data")]);
        var code = await process.WaitForExitAsync(Patience);
        Assert.True(code == ExitCodes.Ok, $"modeldock {string.Join(' ', args)} exited {code}: {process.Errors}");
    }

    private async Task<Replica> StartServeAsync(Dictionary<string, string> environment, string name)
    {
        var httpPort = LoopbackPorts.Free();
        var process = ModelDockProcess.Start(
            _folder.FullName,
            environment,
            "serve", "--data-dir", Path.Combine(_folder.FullName, name), "--http-port", $"{httpPort}", "--grpc-port", $"{LoopbackPorts.Free()}");
        _servers.Add(process);
        var replica = new Replica(name, process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") });
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < Patience)
        {
            Assert.False(process.HasExited, $"{name} exited: {process.Errors}");
            try
            {
                if ((await replica.Http.GetAsync("v2/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return replica;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{name} did not become ready: {process.Errors}");
        return replica;
    }

    private sealed record Replica(string Name, ModelDockProcess Process, HttpClient Http);
}
