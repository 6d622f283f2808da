using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Inference;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Serving;
using ModelDock.Tensors;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Endpoints;

/// <summary>
/// Endpoints served from the registry by a real host: answers name the deployment and version that computed them,
/// splits follow their weights, and every change (made by another process, as the CLI does) is picked up whole.
/// </summary>
public sealed class EndpointRoutingTests : IAsyncLifetime
{
    private const string Endpoint = "risk";
    private static readonly int[] Layers = [8, 16, 3];

    private readonly TempFolder _data = new();
    private readonly Dictionary<long, MlpModel> _versions = [];
    private ModelRegistry _registry = null!;
    private EndpointManager _endpoints = null!;
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var storage = RegistryStorage.Local(_data.Path);
        (_registry, _endpoints) = (storage.Registry, storage.Manager);
        await RegisterAsync(seed: 31);
        await RegisterAsync(seed: 32);
        await _endpoints.CreateAsync(Endpoint, "test", default);
        await _endpoints.DeployAsync(Endpoint, "blue", "fraud:1", force: false, "test", default);
        await _endpoints.DeployAsync(Endpoint, "green", "fraud:2", force: false, "test", default);

        _host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddRegistryEndpoints(r => (r.DataDir, r.PollInterval) = (_data.Path, TimeSpan.FromMilliseconds(100)));
            b.Logging.ClearProviders();
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
    }

    [Fact]
    public async Task Infer_SplitEndpoint_EveryAnswerNamesItsDeploymentAndIsComputedByThatVersion()
    {
        await ChangeAsync(() => _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["blue"] = 50, ["green"] = 50 }, "test", default));
        var seen = new HashSet<string>();

        for (var i = 0; i < 100; i++)
        {
            var input = ReferenceMath.RandomInputs(8, seed: i);
            using var response = await _http.PostAsJsonAsync(
                $"v2/models/{Endpoint}/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = input } } });
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var deployment = Assert.Single(response.Headers.GetValues(EndpointRouter.DeploymentHeader));
            var version = long.Parse(body.RootElement.GetProperty("model_version").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var model = _versions[version];
            var expected = ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, 1);
            var actual = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

            Assert.Equal(Endpoint, body.RootElement.GetProperty("model_name").GetString());
            Assert.Equal(deployment, body.RootElement.GetProperty("parameters").GetProperty("deployment").GetString());
            Assert.Equal(deployment == "blue" ? 1 : 2, version);
            Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, tolerance: 1e-5));
            seen.Add(deployment);
        }

        Assert.Equal(["blue", "green"], seen.Order());
    }

    [Fact]
    public async Task Infer_PinnedDeployment_MetricsNameTheEndpointDeploymentAndServedModel()
    {
        using var recorded = new Observability.RecordedMeasurements(_host.App.Services);

        foreach (var (deployment, status) in new[] { ("green", HttpStatusCode.OK), ("purple", HttpStatusCode.NotFound) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Endpoint}/infer")
            {
                Content = JsonContent.Create(new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = ReferenceMath.RandomInputs(8, seed: 3) } } }),
            };
            request.Headers.Add(EndpointRouter.DeploymentHeader, deployment);
            using var response = await _http.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }

        var requests = recorded.Of("modeldock.inference.requests");
        var served = Assert.Single(requests, m => m["outcome"] == "success");
        Assert.Equal(("registry/fraud", "2", Endpoint, "green", "rest"), (served["model"], served["version"], served["endpoint"], served["deployment"], served["protocol"]));
        var refused = Assert.Single(requests, m => m["outcome"] == "not_found");
        Assert.Equal((Endpoint, Endpoint, null), (refused["model"], refused["endpoint"], refused["deployment"]));
    }

    [Fact]
    public async Task TrafficSplit_90To10Over10000Requests_WithinBinomialBounds()
    {
        await ChangeAsync(() => _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 }, "test", default));
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();
        var green = 0;

        for (var i = 0; i < 10_000; i++)
        {
            var response = await inference.InferAsync(Request(), default);
            green += (string)response.Parameters[EndpointRouter.DeploymentParameter] == "green" ? 1 : 0;
        }

        // Two-sided p = 0.001 for Binomial(10000, 0.1): mean 1000, standard deviation 30, |z| < 3.29.
        Assert.InRange(green, 1000 - 99, 1000 + 99);
    }

    [Fact]
    public async Task Changes_MadeElsewhere_FirstAnswerAfterEachComesFromTheNewConfiguration()
    {
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();
        async Task<string> FirstAnswerAsync() => (string)(await inference.InferAsync(Request(), default)).Parameters[EndpointRouter.DeploymentParameter];

        Assert.Equal("blue", await FirstAnswerAsync());
        await ChangeAsync(() => _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["green"] = 100 }, "test", default));
        Assert.Equal("green", await FirstAnswerAsync());
        await ChangeAsync(() => _endpoints.RollbackAsync(Endpoint, "test", default));
        Assert.Equal("blue", await FirstAnswerAsync());
        await ChangeAsync(() => _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["green"] = 100 }, "test", default));
        await ChangeAsync(() => _endpoints.RemoveDeploymentAsync(Endpoint, "blue", "test", default));
        var after = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            after.Add(await FirstAnswerAsync());
        }

        Assert.Equal(["green"], after);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Changes_RandomSequence_EveryAnswerAfterEachComesFromADeploymentOfTheNewConfigurationWithTraffic(int seed)
    {
        await RegisterAsync(seed: 40 + seed);
        var random = new Random(seed);
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();

        for (var step = 0; step < 12; step++)
        {
            var current = await _endpoints.Store.GetAsync(Endpoint, default);
            Func<Task> change = random.Next(4) switch
            {
                0 => () => _endpoints.DeployAsync(Endpoint, random.Next(2) == 0 ? "blue" : "green", $"fraud:{random.Next(1, _versions.Count + 1)}", force: false, "test", default),
                1 => () => _endpoints.RollbackAsync(Endpoint, "test", default),
                _ => () =>
                {
                    var blue = random.Next(3) switch { 0 => 0, 1 => 100, _ => random.Next(101) };
                    var split = new Dictionary<string, int> { ["blue"] = blue, ["green"] = 100 - blue };
                    return _endpoints.SetTrafficAsync(Endpoint, split.Where(w => current.Find(w.Key) is not null || w.Value == 0)
                        .ToDictionary(w => w.Key, w => current.Find(w.Key) is null ? 0 : w.Value), "test", default);
                }
                ,
            };
            try
            {
                await ChangeAsync(change);
            }
            catch (ModelDock.Errors.ModelDockException)
            {
                // A change the validation refuses (a split that no longer sums to 100) leaves the endpoint as it was.
                await _host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);
            }

            var now = await _endpoints.Store.GetAsync(Endpoint, default);
            for (var i = 0; i < 20; i++)
            {
                var response = await inference.InferAsync(Request(), default);
                var deployment = now.Find((string)response.Parameters[EndpointRouter.DeploymentParameter]);
                Assert.NotNull(deployment);
                Assert.True(now.Traffic[deployment.Name] > 0, $"step {step}: '{deployment.Name}' answered with {now.Traffic[deployment.Name]}% of the traffic ({now.Change})");
                Assert.Equal(deployment.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), response.ModelVersion);
            }
        }
    }

    [Fact]
    public async Task Changes_NotSyncedByHand_ArePickedUpByPolling()
    {
        await _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["green"] = 100 }, "test", default);
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();

        var deadline = DateTime.UtcNow.AddSeconds(5);
        string deployment;
        do
        {
            deployment = (string)(await inference.InferAsync(Request(), default)).Parameters[EndpointRouter.DeploymentParameter];
        }
        while (deployment != "green" && DateTime.UtcNow < deadline && await Delay());

        Assert.Equal("green", deployment);
    }

    [Fact]
    public async Task Sync_NewVersionsArtifactCorrupt_EndpointKeepsItsPreviousRoutes()
    {
        var third = await RegisterAsync(seed: 33);
        var stored = Path.Combine(_data.Path, "artifacts", "sha256", third.Artifact.Sha256[..2], third.Artifact.Sha256);
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(stored, bytes);
        await _endpoints.DeployAsync(Endpoint, "green", "fraud:3", force: false, "test", default);

        await ChangeAsync(() => _endpoints.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["green"] = 100 }, "test", default));
        var response = await _host.App.Services.GetRequiredService<IInferenceService>().InferAsync(Request(), default);

        Assert.Equal("blue", response.Parameters[EndpointRouter.DeploymentParameter]);
        Assert.Equal("1", response.ModelVersion);
    }

    [Fact]
    public async Task Infer_PinnedDeployment_RestAndGrpcAnswerFromItAndNameIt()
    {
        using var rest = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Endpoint}/infer")
        {
            Content = JsonContent.Create(new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = new float[8] } } }),
        };
        rest.Headers.Add(EndpointRouter.DeploymentHeader, "green");
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var message = new ModelInferRequest { ModelName = Endpoint };
        message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32", Shape = { 1, 8 }, Contents = new InferTensorContents { Fp32Contents = { new float[8] } } });

        using var restResponse = await _http.SendAsync(rest);
        var call = grpc.ModelInferAsync(message, new Metadata { { EndpointRouter.DeploymentHeader, "green" } });
        var grpcResponse = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("green", Assert.Single(restResponse.Headers.GetValues(EndpointRouter.DeploymentHeader)));
        Assert.Equal("2", grpcResponse.ModelVersion);
        Assert.Equal("green", headers.GetValue(EndpointRouter.DeploymentHeader));
        Assert.Equal("green", grpcResponse.Parameters["deployment"].StringParam);
    }

    [Fact]
    public async Task Infer_UnknownPinnedDeploymentOrAVersion_ClientErrorsNamingTheProblem()
    {
        using var pinned = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Endpoint}/infer") { Content = JsonContent.Create(new { inputs = Array.Empty<object>() }) };
        pinned.Headers.Add(EndpointRouter.DeploymentHeader, "purple");

        var unknown = await _http.SendAsync(pinned);
        var versioned = await _http.PostAsJsonAsync(
            $"v2/models/{Endpoint}/versions/1/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = new float[8] } } });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("has no deployment 'purple'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, versioned.StatusCode);
        Assert.Contains("is an endpoint", await versioned.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetadataReadyAndConfig_Endpoint_DescribeThePrimaryDeploymentUnderTheEndpointsName()
    {
        using var metadata = JsonDocument.Parse(await _http.GetStringAsync($"v2/models/{Endpoint}"));
        using var config = JsonDocument.Parse(await _http.GetStringAsync($"v2/models/{Endpoint}/config"));
        var ready = await _http.GetAsync($"v2/models/{Endpoint}/ready");

        Assert.Equal(Endpoint, metadata.RootElement.GetProperty("name").GetString());
        Assert.Equal(Endpoint, config.RootElement.GetProperty("name").GetString());
        Assert.Equal(DemoModels.MlpInput, metadata.RootElement.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Serve_FolderRepositoryBesideTheRegistry_PollingTheFolderLeavesTheEndpointsVersionsAlone()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion("direct", 1, DemoModels.Mlp(Layers, seed: 34).Onnx);
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock()
                .AddModelRepository(r => (r.RepositoryPath, r.PollInterval) = (repository.Path, TimeSpan.FromMilliseconds(20)))
                .AddRegistryEndpoints(r => r.DataDir = _data.Path);
            b.Logging.ClearProviders();
        });
        await host.StartAsync();
        var inference = host.App.Services.GetRequiredService<IInferenceService>();

        // The folder has no 'registry/fraud'; several polls must not take it for a deleted folder model.
        await Task.Delay(300);
        var routed = await inference.InferAsync(Request(), default);
        var direct = await inference.InferAsync(new InferenceRequest { ModelName = "direct", Inputs = Request().Inputs }, default);

        Assert.Equal("blue", routed.Parameters[EndpointRouter.DeploymentParameter]);
        Assert.Equal("1", direct.ModelVersion);
        Assert.True(inference.IsReady);
    }

    [Fact]
    public async Task Serve_EndpointNamedLikeAFolderModel_TheFolderModelKeepsTheNameAndTheEndpointIsNotRouted()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion(Endpoint, 1, DemoModels.Mlp(Layers, seed: 35).Onnx);
        var logs = new CapturingLoggerProvider();
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = repository.Path).AddRegistryEndpoints(r => r.DataDir = _data.Path);
            b.Logging.ClearProviders();
            b.Logging.AddProvider(logs);
        });
        await host.StartAsync();

        var response = await host.App.Services.GetRequiredService<IInferenceService>().InferAsync(Request(), default);

        Assert.False(response.Parameters.ContainsKey(EndpointRouter.DeploymentParameter));
        Assert.Equal("1", response.ModelVersion);
        Assert.Contains(logs.Entries, e => e.Message.Contains($"Endpoint {Endpoint} is not served: the model repository has a model of that name", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static InferenceRequest Request() => new()
    {
        ModelName = Endpoint,
        Inputs = [Tensor.FromArray(DemoModels.MlpInput, DataType.Fp32, [1, 8], new float[8])],
    };

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }

    /// <summary>Makes a change as another process would, then applies it at once instead of waiting for the poll.</summary>
    private async Task ChangeAsync(Func<Task> change)
    {
        await change();
        await _host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);
    }

    private async Task<ModelVersionInfo> RegisterAsync(int seed)
    {
        var model = DemoModels.Mlp(Layers, seed);
        var file = Path.Combine(_data.Path, $"fraud-{seed}.onnx");
        await File.WriteAllBytesAsync(file, model.Onnx);
        var version = await _registry.RegisterAsync(new RegistrationRequest("fraud", file), default);
        _versions[version.Version] = model;
        return version;
    }
}
