using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ModelDock.Cli.Commands;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Cli;

public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "modeldock-serve-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Serve_Demo_ServesTheGeneratedMlpOverRest()
    {
        var httpPort = FreePort();
        var grpcPort = FreePort();
        using var stop = new CancellationTokenSource();
        var run = Invoke(stop.Token, "serve", "--demo", "--data-dir", _dataDir, "--http-port", $"{httpPort}", "--grpc-port", $"{grpcPort}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/") };

        await WaitUntilReadyAsync(http, run);
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
        Assert.Equal(0, await run);
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("serve", "--demo", "--model-repository", "models")]
    [InlineData("serve", "--demo", "--repository-poll-secs", "-1")]
    [InlineData("serve", "--demo", "--http-port", "eighty")]
    public async Task Serve_BadFlags_FailsWithoutStarting(params string[] args)
    {
        Assert.NotEqual(0, await Invoke(CancellationToken.None, [.. args, "--data-dir", _dataDir]));
        Assert.False(Directory.Exists(Path.Combine(_dataDir, "demo-models")));
    }

    [Fact]
    public async Task Serve_MissingRepository_FailsWithItsPath()
    {
        var missing = Path.Combine(_dataDir, "no-such-repository");
        var error = await Assert.ThrowsAsync<ModelDock.Errors.ModelDockException>(
            () => Invoke(CancellationToken.None, "serve", "--model-repository", missing, "--http-port", "0", "--grpc-port", "0"));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static Task<int> Invoke(CancellationToken cancellationToken, params string[] args) =>
        new RootCommand { ServeCommand.Create() }
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = TextWriter.Null, Output = TextWriter.Null }, cancellationToken);

    private static async Task WaitUntilReadyAsync(HttpClient http, Task<int> run)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            Assert.False(run.IsCompleted, "serve exited before it was ready");
            try
            {
                if ((await http.GetAsync("v2/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("serve did not become ready");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
