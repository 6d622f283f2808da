using System.Collections.Concurrent;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Endpoints;

/// <summary>
/// Clients on REST and gRPC keep calling an endpoint while its deployments and traffic change underneath them, the
/// changes made through the store as another process would and picked up by the server's own polling. No request may
/// fail, and every answer must be the output of the version it names.
/// </summary>
public sealed class EndpointChangesUnderLoadTests
{
    private const string Endpoint = "risk";

    [Fact]
    public async Task Infer_ThreeDeploysTwoTrafficChangesAndARollbackUnderLoad_NoRequestFailsAndEveryAnswerMatchesItsVersion()
    {
        using var data = new TempFolder();
        var storage = RegistryStorage.Local(data.Path);
        var (registry, endpoints) = (storage.Registry, storage.Manager);
        var models = new Dictionary<long, MlpModel>();
        for (var seed = 1; seed <= 4; seed++)
        {
            var model = DemoModels.Mlp([MlpLoad.Width, 16, 3], seed: 200 + seed);
            var file = data.Combine($"v{seed}.onnx");
            await File.WriteAllBytesAsync(file, model.Onnx);
            models[(await registry.RegisterAsync(new RegistrationRequest("fraud", file) { ConfigFile = data.Write($"v{seed}.json", """{"max_batch_size": 8}""") }, default)).Version] = model;
        }

        await endpoints.CreateAsync(Endpoint, "test", default);
        await endpoints.DeployAsync(Endpoint, "blue", "fraud:1", force: false, "test", default);
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddRegistryEndpoints(r => (r.DataDir, r.PollInterval) = (data.Path, TimeSpan.FromMilliseconds(50)));
            b.Logging.ClearProviders();
        });
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        using var channel = GrpcChannel.ForAddress(host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var served = new ConcurrentDictionary<string, int>();
        var afterRollback = new ConcurrentDictionary<string, int>();
        var tally = served;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8)
            .Select(c => Task.Run(() => MlpLoad.ClientLoopAsync(Endpoint, c, c % 2 == 0 ? http : null, grpc, v => models[v], () => Volatile.Read(ref tally), stop.Token)))
            .ToArray();

        async Task ChangeAndWaitForAsync(Func<Task> change, string expectedVersion)
        {
            served.Clear();
            await change();
            for (var i = 0; i < 200 && !served.ContainsKey(expectedVersion); i++)
            {
                await Task.Delay(50);
            }

            Assert.True(served.ContainsKey(expectedVersion), $"version {expectedVersion} never answered after the change");
        }

        await ChangeAndWaitForAsync(() => Task.CompletedTask, "1");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "green", "fraud:2", force: false, "test", default), "1");
        await ChangeAndWaitForAsync(() => endpoints.SetTrafficAsync(Endpoint, Split(50, 50), "test", default), "2");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "green", "fraud:3", force: false, "test", default), "3");
        await ChangeAndWaitForAsync(() => endpoints.SetTrafficAsync(Endpoint, Split(0, 100), "test", default), "3");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "blue", "fraud:4", force: false, "test", default), "3");
        await endpoints.SetTrafficAsync(Endpoint, Split(100, 0), "test", default);
        await ChangeAndWaitForAsync(() => Task.CompletedTask, "4");
        await endpoints.RollbackAsync(Endpoint, "test", default);
        await host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);

        // Every request sent once the rollback is applied must come from the rolled-back split: no stale route.
        Volatile.Write(ref tally, afterRollback);
        for (var i = 0; i < 200 && afterRollback.Values.Sum() < 50; i++)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();

        var requests = await Task.WhenAll(clients);
        Assert.All(requests, count => Assert.True(count > 0));
        Assert.Equal(["3"], afterRollback.Keys);
    }

    private static Dictionary<string, int> Split(int blue, int green) => new() { ["blue"] = blue, ["green"] = green };
}
