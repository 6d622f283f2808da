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
using Xunit.Abstractions;

namespace ModelDock.Server.Tests.Endpoints;

/// <summary>
/// Clients on REST and gRPC keep calling an endpoint while its deployments and traffic change underneath them, the
/// changes made through the store as another process would and picked up by the server's own polling. No request may
/// fail, and every answer must be the output of the version it names. Run twice: flat out, and as a steady 200
/// requests a second for 30 seconds with the changes spread over that time, as in production.
/// </summary>
public sealed class EndpointChangesUnderLoadTests(ITestOutputHelper output)
{
    private const string Endpoint = "risk";
    private const int Clients = 8;

    /// <summary>Eight changes in all: each holds for this long before the next, so the paced run lasts 30 seconds.</summary>
    private static readonly TimeSpan PacedDwell = TimeSpan.FromSeconds(30.0 / 8);

    [Theory]
    [InlineData(0)]
    [InlineData(200)]
    public async Task Infer_ThreeDeploysTwoTrafficChangesAndARollbackUnderLoad_NoRequestFailsAndEveryAnswerMatchesItsVersion(int requestsPerSecond)
    {
        var pace = requestsPerSecond == 0 ? (TimeSpan?)null : TimeSpan.FromSeconds((double)Clients / requestsPerSecond);
        var dwell = pace is null ? TimeSpan.Zero : PacedDwell;
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
        var started = TimeProvider.System.GetTimestamp();
        var clients = Enumerable.Range(0, Clients)
            .Select(c => Task.Run(() => MlpLoad.ClientLoopAsync(Endpoint, c, c % 2 == 0 ? http : null, grpc, v => models[v], () => Volatile.Read(ref tally), stop.Token, pace)))
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
            await Task.Delay(dwell);
        }

        await ChangeAndWaitForAsync(() => Task.CompletedTask, "1");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "green", "fraud:2", force: false, "test", default), "1");
        await ChangeAndWaitForAsync(() => endpoints.SetTrafficAsync(Endpoint, Split(50, 50), "test", default), "2");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "green", "fraud:3", force: false, "test", default), "3");
        await ChangeAndWaitForAsync(() => endpoints.SetTrafficAsync(Endpoint, Split(0, 100), "test", default), "3");
        await ChangeAndWaitForAsync(() => endpoints.DeployAsync(Endpoint, "blue", "fraud:4", force: false, "test", default), "3");
        await endpoints.SetTrafficAsync(Endpoint, Split(100, 0), "test", default);
        await ChangeAndWaitForAsync(() => Task.CompletedTask, "4");
        await Task.Delay(dwell);
        await endpoints.RollbackAsync(Endpoint, "test", default);
        await host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);

        // Every request sent once the rollback is applied must come from the rolled-back split: no stale route.
        Volatile.Write(ref tally, afterRollback);
        for (var i = 0; i < 200 && afterRollback.Values.Sum() < 50; i++)
        {
            await Task.Delay(20);
        }

        await Task.Delay(dwell);
        await stop.CancelAsync();

        var requests = await Task.WhenAll(clients);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        output.WriteLine($"{requests.Sum()} requests, none failed, in {elapsed.TotalSeconds:F1} s ({requests.Sum() / elapsed.TotalSeconds:F0}/s)");
        Assert.True(pace is null || elapsed >= TimeSpan.FromSeconds(30), $"the paced run lasted {elapsed.TotalSeconds:F1} s, not 30");
        Assert.All(requests, count => Assert.True(count > 0));
        Assert.Equal(["3"], afterRollback.Keys);
    }

    private static Dictionary<string, int> Split(int blue, int green) => new() { ["blue"] = blue, ["green"] = green };
}
