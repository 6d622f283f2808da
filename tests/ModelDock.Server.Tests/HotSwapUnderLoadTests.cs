using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
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
            .Select(c => Task.Run(() => ClientLoopAsync(c, c % 2 == 0 ? http : null, grpc, versions, served, stop.Token)))
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

    private static async Task<int> ClientLoopAsync(
        int client,
        HttpClient? http,
        GRPCInferenceService.GRPCInferenceServiceClient grpc,
        Dictionary<int, MlpModel> versions,
        System.Collections.Concurrent.ConcurrentDictionary<string, int> served,
        CancellationToken stop)
    {
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var rows = 1 + ((client + sent) % 4);
            var input = ReferenceMath.RandomInputs(rows * Sizes[0], seed: (client * 10_000) + sent);
            var (version, output) = http is null
                ? await InferGrpcAsync(grpc, input, rows)
                : await InferRestAsync(http, input, rows);
            var model = versions[int.Parse(version, System.Globalization.CultureInfo.InvariantCulture)];
            var expected = ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, rows);
            Assert.Equal(expected.Length, output.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], output[i], tolerance: 1e-5);
            }

            served.AddOrUpdate(version, 1, (_, n) => n + 1);
            sent++;
        }

        return sent;
    }

    private static async Task<(string Version, float[] Output)> InferRestAsync(HttpClient http, float[] input, int rows)
    {
        var response = await http.PostAsJsonAsync(
            $"v2/models/{Model}/infer",
            new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { rows, Sizes[0] }, datatype = "FP32", data = input } } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        var output = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (body.RootElement.GetProperty("model_version").GetString()!, output);
    }

    private static async Task<(string Version, float[] Output)> InferGrpcAsync(
        GRPCInferenceService.GRPCInferenceServiceClient grpc, float[] input, int rows)
    {
        var request = new ModelInferRequest { ModelName = Model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32" };
        tensor.Shape.Add([rows, Sizes[0]]);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(input.AsSpan())));
        var response = await grpc.ModelInferAsync(request);
        return (response.ModelVersion, MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray());
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
