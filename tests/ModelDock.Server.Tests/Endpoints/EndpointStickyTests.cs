using System.Globalization;
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
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Endpoints;

/// <summary>
/// Sticky keys on a real host: a key always lands on the same deployment while the split is unchanged, whichever
/// transport carries it, keys spread over the deployments by the split, and requests without a key are drawn at random.
/// </summary>
public sealed class EndpointStickyTests : IAsyncLifetime
{
    private const string Risk = "risk";
    private const string Rank = "rank";
    private const string Header = "x-customer";

    private readonly TempFolder _data = new();
    private EndpointManager _endpoints = null!;
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;
    private GrpcChannel _channel = null!;
    private GRPCInferenceService.GRPCInferenceServiceClient _grpc = null!;

    private IInferenceService Inference => _host.App.Services.GetRequiredService<IInferenceService>();

    public async Task InitializeAsync()
    {
        var registry = new ModelRegistry(new SqliteModelRegistryStore(_data.Path), new FileArtifactStore(Path.Combine(_data.Path, "artifacts")), TimeProvider.System);
        _endpoints = new EndpointManager(new SqliteEndpointStore(_data.Path), registry, TimeProvider.System);
        for (var seed = 61; seed <= 62; seed++)
        {
            await RegisterAsync(registry, "fraud", $"fraud-{seed}.onnx", DemoModels.Mlp([8, 16, 3], seed).Onnx);
            await RegisterAsync(registry, "ranker", $"ranker-{seed}.onnx", DemoModels.TwoInput());
        }

        foreach (var (endpoint, model) in new[] { (Risk, "fraud"), (Rank, "ranker") })
        {
            await _endpoints.CreateAsync(endpoint, "test", default);
            await _endpoints.DeployAsync(endpoint, "blue", $"{model}:1", force: false, "test", default);
            await _endpoints.DeployAsync(endpoint, "green", $"{model}:2", force: false, "test", default);
            await _endpoints.SetTrafficAsync(endpoint, new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 }, "test", default);
        }

        await _endpoints.SetStickyKeyAsync(Risk, $"header:{Header}", "test", default);
        await _endpoints.SetStickyKeyAsync(Rank, $"input:{DemoModels.TwoInputIds}", "test", default);

        _host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddRegistryEndpoints(r => (r.DataDir, r.PollInterval) = (_data.Path, TimeSpan.FromMilliseconds(100)));
            b.Logging.ClearProviders();
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
        _channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        _grpc = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    [Theory]
    [InlineData(Risk)]
    [InlineData(Rank)]
    public async Task Sticky_1000KeysSentThreeTimesEach_EachKeyAlwaysOnOneDeploymentAndKeysSplitByWeight(string endpoint)
    {
        var green = 0;

        for (var key = 0; key < 1000; key++)
        {
            var deployments = new HashSet<string>();
            for (var i = 0; i < 3; i++)
            {
                deployments.Add(await DeploymentAsync(endpoint, key));
            }

            green += Assert.Single(deployments) == "green" ? 1 : 0;
        }

        // Two-sided p = 0.001 for Binomial(1000, 0.1): mean 100, standard deviation 9.5, |z| < 3.29.
        Assert.InRange(green, 100 - 31, 100 + 31);
    }

    [Fact]
    public async Task Sticky_RequestsWithoutTheKey_SpreadByWeight()
    {
        var green = 0;

        for (var i = 0; i < 2000; i++)
        {
            var response = await Inference.InferAsync(new InferenceRequest { ModelName = Risk, Inputs = [MlpInput()] }, default);
            green += (string)response.Parameters[EndpointRouter.DeploymentParameter] == "green" ? 1 : 0;
        }

        // Two-sided p = 0.001 for Binomial(2000, 0.1): mean 200, standard deviation 13.4, |z| < 3.29.
        Assert.InRange(green, 200 - 44, 200 + 44);
    }

    [Fact]
    public async Task Sticky_SplitGrowsGreen_KeysOnGreenStayThereAndOnlyBlueKeysMove()
    {
        var before = new Dictionary<int, string>();
        for (var key = 0; key < 500; key++)
        {
            before[key] = await DeploymentAsync(Risk, key);
        }

        await _endpoints.SetTrafficAsync(Risk, new Dictionary<string, int> { ["blue"] = 50, ["green"] = 50 }, "test", default);
        await _host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);
        var moved = 0;
        for (var key = 0; key < 500; key++)
        {
            var after = await DeploymentAsync(Risk, key);
            Assert.False(before[key] == "green" && after == "blue", $"key {key} moved from green to blue when green grew");
            moved += before[key] != after ? 1 : 0;
        }

        Assert.InRange(moved, 1, 499);
    }

    [Fact]
    public async Task StickyHeader_RestAndGrpc_SameKeySameDeploymentAsInProcessAndTheAnswerNamesIt()
    {
        for (var key = 0; key < 100; key++)
        {
            var expected = await DeploymentAsync(Risk, key);

            using var rest = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Risk}/infer")
            {
                Content = JsonContent.Create(new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = new float[8] } } }),
            };
            rest.Headers.Add(Header, Key(key));
            using var restResponse = await _http.SendAsync(rest);
            restResponse.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await restResponse.Content.ReadAsStringAsync());

            var message = new ModelInferRequest { ModelName = Risk };
            message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32", Shape = { 1, 8 }, Contents = new InferTensorContents { Fp32Contents = { new float[8] } } });
            var call = _grpc.ModelInferAsync(message, new Metadata { { Header, Key(key) } });
            var grpcResponse = await call.ResponseAsync;

            Assert.Equal(expected, Assert.Single(restResponse.Headers.GetValues(EndpointRouter.DeploymentHeader)));
            Assert.Equal(expected, body.RootElement.GetProperty("parameters").GetProperty("deployment").GetString());
            Assert.Equal(expected, grpcResponse.Parameters["deployment"].StringParam);
            Assert.Equal(expected, (await call.ResponseHeadersAsync).GetValue(EndpointRouter.DeploymentHeader));
        }
    }

    [Fact]
    public async Task StickyInput_RestAndGrpc_SameIdSameDeploymentAsInProcess()
    {
        for (var key = 0; key < 100; key++)
        {
            var expected = await DeploymentAsync(Rank, key);

            var restResponse = await _http.PostAsJsonAsync($"v2/models/{Rank}/infer", new
            {
                inputs = new object[]
                {
                    new { name = DemoModels.TwoInputIds, shape = new[] { 1, 4 }, datatype = "INT64", data = new long[] { key, 7, 8, 9 } },
                    new { name = DemoModels.TwoInputValues, shape = new[] { 1, 4 }, datatype = "FP32", data = new float[4] },
                },
            });
            restResponse.EnsureSuccessStatusCode();

            var message = new ModelInferRequest { ModelName = Rank };
            message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.TwoInputIds, Datatype = "INT64", Shape = { 1, 4 }, Contents = new InferTensorContents { Int64Contents = { key, 7, 8, 9 } } });
            message.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.TwoInputValues, Datatype = "FP32", Shape = { 1, 4 }, Contents = new InferTensorContents { Fp32Contents = { new float[4] } } });
            var grpcResponse = await _grpc.ModelInferAsync(message);

            Assert.Equal(expected, Assert.Single(restResponse.Headers.GetValues(EndpointRouter.DeploymentHeader)));
            Assert.Equal(expected, grpcResponse.Parameters["deployment"].StringParam);
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _channel.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    private static string Key(int key) => "customer-" + key.ToString(CultureInfo.InvariantCulture);

    private static Tensor MlpInput() => Tensor.FromArray(DemoModels.MlpInput, DataType.Fp32, [1, 8], new float[8]);

    /// <summary>The deployment that answers key <paramref name="key"/> in process: as the header's value for <see cref="Risk"/>, as the first id for <see cref="Rank"/>.</summary>
    private async Task<string> DeploymentAsync(string endpoint, int key)
    {
        var request = endpoint == Risk
            ? new InferenceRequest { ModelName = Risk, Inputs = [MlpInput()], RoutingKey = Key(key) }
            : new InferenceRequest
            {
                ModelName = Rank,
                Inputs =
                [
                    Tensor.FromArray(DemoModels.TwoInputIds, DataType.Int64, [1, 4], new long[] { key, 7, 8, 9 }),
                    Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp32, [1, 4], new float[4]),
                ],
            };
        return (string)(await Inference.InferAsync(request, default)).Parameters[EndpointRouter.DeploymentParameter];
    }

    private async Task RegisterAsync(ModelRegistry registry, string model, string name, byte[] onnx)
    {
        var file = Path.Combine(_data.Path, name);
        await File.WriteAllBytesAsync(file, onnx);
        await registry.RegisterAsync(new RegistrationRequest(model, file), default);
    }
}
