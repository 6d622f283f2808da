using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Online;
using ModelDock.Redis.Features;
using ModelDock.Server.Features;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Redis.Tests.Features;

/// <summary>A model whose inputs are assembled from features held in Redis: values through Redis, and what an outage does.</summary>
public sealed class FeatureAssemblyRedisTests
{
    private const string Keys = """
        {"inputs": [{"name": "customer_id", "datatype": "INT64", "shape": [3], "data": [1, 2, 1]},
                    {"name": "product_id", "datatype": "INT64", "shape": [3], "data": [4, 4, 9]},
                    {"name": "basket", "datatype": "FP32", "shape": [3, 1], "data": [0, 1, 2]}]}
        """;

    [RedisFact]
    public async Task Infer_KeysOnlyOverRedis_AssemblesTheStoredValues()
    {
        using var folder = new TempFolder();
        var store = await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions
        {
            Configuration = TestServices.RequireRedis(),
            KeyPrefix = "assembly-" + Guid.NewGuid().ToString("N") + ":",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(5),
        });
        await RankingFeatures.WriteAsync(store, [1, 2], [4, 9], DateTimeOffset.UtcNow.AddMinutes(-1));
        await using var host = await StartAsync(folder, store);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };

        using var response = await http.PostAsync("v2/models/ranker/infer", new StringContent(Keys, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            [.. RankingFeatures.ExpectedRow(1, 4, 0), .. RankingFeatures.ExpectedRow(2, 4, 1), .. RankingFeatures.ExpectedRow(1, 9, 2)],
            body.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task Infer_RedisUnreachable_Answers503NeverDefaults()
    {
        using var folder = new TempFolder();
        var store = await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions
        {
            Configuration = $"127.0.0.1:{LoopbackPorts.Free()}",
            ConnectTimeout = TimeSpan.FromMilliseconds(300),
        });
        await using var host = await StartAsync(folder, store);
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new ModelInferRequest { ModelName = "ranker" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "customer_id", Datatype = "INT64", Shape = { 1 }, Contents = new InferTensorContents { Int64Contents = { 1 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "product_id", Datatype = "INT64", Shape = { 1 }, Contents = new InferTensorContents { Int64Contents = { 1 } } });
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "basket", Datatype = "FP32", Shape = { 1, 1 }, Contents = new InferTensorContents { Fp32Contents = { 0 } } });

        using var response = await http.PostAsync("v2/models/ranker/infer", new StringContent(Keys, Encoding.UTF8, "application/json"));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        var grpcError = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => grpc.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("online feature store is unavailable", error, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", error, StringComparison.Ordinal);
        Assert.Equal(global::Grpc.Core.StatusCode.Unavailable, grpcError.StatusCode);
    }

    private static async Task<ModelDockHost> StartAsync(TempFolder folder, IOnlineStore store)
    {
        var models = folder.Combine("models");
        Directory.CreateDirectory(Path.Combine(models, "ranker", "1"));
        File.WriteAllBytes(Path.Combine(models, "ranker", "1", "model.onnx"), RankingFeatures.EchoModel());
        File.WriteAllText(Path.Combine(models, "ranker", "config.yaml"), RankingFeatures.Config());
        var host = ModelDockHost.Create(
            o => (o.HttpPort, o.GrpcPort) = (0, 0),
            b =>
            {
                b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = models);
                b.Logging.ClearProviders();
                b.Services.AddFeatureServing(RankingFeatures.Create(folder.Path), store, folder.Path);
            },
            app => app.MapFeatureRoutes());
        await host.StartAsync();
        return host;
    }
}
