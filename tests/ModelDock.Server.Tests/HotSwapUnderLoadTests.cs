using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Repository;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests;

/// <summary>
/// Clients on REST and gRPC keep sending batched requests of mixed sizes while new versions land on
/// disk and through the load API. Every request must succeed, and every row must be the output of the
/// version the response names, so a swap can neither fail a request nor mix two versions in one answer.
/// </summary>
public sealed class HotSwapUnderLoadTests
{
    private const string Model = "swapped";
    private static readonly int[] Sizes = [8, 16, 3];

    [Fact]
    public async Task Infer_VersionsSwapUnderConcurrentRestAndGrpcLoad_NoRequestFailsAndRowsMatchTheirVersion()
    {
        var versions = Enumerable.Range(1, 3).ToDictionary(v => v, v => DemoModels.Mlp(Sizes, seed: 100 + v));
        using var repository = new TestModelRepository();
        repository.AddVersion(Model, 1, versions[1].Onnx);
        repository.WriteConfig(Model, """{"max_batch_size": 16, "dynamic_batching": {"max_queue_delay_microseconds": 500}}""");
        await using var models = new FolderServing(new ModelRepositoryOptions { RepositoryPath = repository.Path });
        await models.StartAsync();
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            models.AddTo(b.Services);
            b.Logging.ClearProviders();
        });
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        using var stop = new CancellationTokenSource();
        var served = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var clients = Enumerable.Range(0, 8)
            .Select(c => Task.Run(() => MlpLoad.ClientLoopAsync(Model, c, c % 2 == 0 ? http : null, grpc, v => versions[(int)v], () => served, stop.Token)))
            .ToArray();

        await WaitForAsync(() => served.ContainsKey("1"));
        repository.AddVersion(Model, 2, versions[2].Onnx);
        await models.Repository.PollAsync(CancellationToken.None);
        await WaitForAsync(() => served.ContainsKey("2"));
        repository.AddVersion(Model, 3, versions[3].Onnx);
        (await http.PostAsync($"v2/repository/models/{Model}/load", null)).EnsureSuccessStatusCode();
        await WaitForAsync(() => served.ContainsKey("3"));
        await stop.CancelAsync();

        var requests = await Task.WhenAll(clients);
        Assert.All(requests, count => Assert.True(count > 0));
        Assert.Equal(["1", "2", "3"], served.Keys.Order());
        Assert.Equal("3", Assert.Single(models.Inference.GetMetadata(Model, null).Versions));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "the swap did not reach the clients in time");
    }
}
