using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using ModelDock.Onnx;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>Clients that keep an MLP with 8 inputs busy and check every answer against the version it names.</summary>
internal static class MlpLoad
{
    public const int Width = 8;

    /// <summary>
    /// Sends requests of 1 to 4 rows until stopped, over REST when <paramref name="http"/> is given, else gRPC with raw
    /// contents; every answer must succeed and equal the reference output of the version it names. Each answer is counted, by
    /// version, in the tally <paramref name="served"/> returned when its request was sent. With a <paramref name="pace"/>,
    /// the client sends one request per period, as a steady stream of users would, instead of back to back.
    /// </summary>
    public static async Task<int> ClientLoopAsync(
        string model,
        int client,
        HttpClient? http,
        GRPCInferenceService.GRPCInferenceServiceClient grpc,
        Func<long, MlpModel> versions,
        Func<System.Collections.Concurrent.ConcurrentDictionary<string, int>> served,
        CancellationToken stop,
        TimeSpan? pace = null)
    {
        using var timer = pace is { } period ? new PeriodicTimer(period) : null;
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            if (timer is not null && !await NextTickAsync(timer, stop))
            {
                break;
            }

            // Chosen when the request is sent, so a test can count only requests sent after a change completed.
            var tally = served();
            var rows = 1 + ((client + sent) % 4);
            var input = ReferenceMath.RandomInputs(rows * Width, seed: (client * 10_000) + sent);
            var (version, output) = http is null
                ? await InferGrpcAsync(model, grpc, input, rows)
                : await InferRestAsync(model, http, input, rows);
            var mlp = versions(long.Parse(version, System.Globalization.CultureInfo.InvariantCulture));
            var expected = ReferenceMath.MlpForward(mlp.LayerSizes, mlp.Weights, mlp.Biases, input, rows);
            Assert.Equal(expected.Length, output.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], output[i], tolerance: 1e-5);
            }

            tally.AddOrUpdate(version, 1, (_, n) => n + 1);
            sent++;
        }

        return sent;
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stop)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<(string Version, float[] Output)> InferRestAsync(string model, HttpClient http, float[] input, int rows)
    {
        var response = await http.PostAsJsonAsync(
            $"v2/models/{model}/infer",
            new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { rows, Width }, datatype = "FP32", data = input } } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        var output = body.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        return (body.RootElement.GetProperty("model_version").GetString()!, output);
    }

    private static async Task<(string Version, float[] Output)> InferGrpcAsync(
        string model, GRPCInferenceService.GRPCInferenceServiceClient grpc, float[] input, int rows)
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32" };
        tensor.Shape.Add([rows, Width]);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(input.AsSpan())));
        var response = await grpc.ModelInferAsync(request);
        return (response.ModelVersion, MemoryMarshal.Cast<byte, float>(response.RawOutputContents[0].Span).ToArray());
    }
}
