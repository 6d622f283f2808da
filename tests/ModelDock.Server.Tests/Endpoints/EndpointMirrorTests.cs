using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Inference;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Serving;
using ModelDock.Tensors;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Endpoints;

/// <summary>
/// Mirror traffic on a real host: copies reach the mirror deployment in the proportion set, while every caller is
/// answered by the live deployment, whatever the mirror does (fail every copy, or hang).
/// </summary>
public sealed class EndpointMirrorTests : IAsyncLifetime
{
    private const string Endpoint = "risk";
    private static readonly int[] Layers = [8, 16, 3];

    private readonly TempFolder _data = new();
    private readonly ManualResetEventSlim _slowGate = new(initialState: true);
    private readonly SemaphoreSlim _slowEntered = new(0);
    private readonly CapturingLoggerProvider _logs = new();
    private EndpointManager _endpoints = null!;
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;

    private EndpointRouter Router => _host.App.Services.GetRequiredService<EndpointRouter>();

    public async Task InitializeAsync()
    {
        var registry = new ModelRegistry(new SqliteModelRegistryStore(_data.Path), new FileArtifactStore(Path.Combine(_data.Path, "artifacts")), TimeProvider.System);
        _endpoints = new EndpointManager(new SqliteEndpointStore(_data.Path), registry, TimeProvider.System);
        await RegisterAsync(registry, Layers, seed: 51);
        await RegisterAsync(registry, Layers, seed: 52);
        await RegisterAsync(registry, [16, 16, 3], seed: 53);
        var slow = await RegisterAsync(registry, Layers, seed: 54);
        await _endpoints.CreateAsync(Endpoint, "test", default);
        await _endpoints.DeployAsync(Endpoint, "blue", "fraud:1", force: false, "test", default);
        await _endpoints.DeployAsync(Endpoint, "shadow", "fraud:2", force: false, "test", default);
        await _endpoints.DeployAsync(Endpoint, "slow", "fraud:4", force: false, "test", default);
        await _endpoints.DeployAsync(Endpoint, "broken", "fraud:3", force: true, "test", default);

        _host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            // The real backend for every version; the slow one's runs wait for the gate.
            b.Services.AddSingleton<ModelBackendLoader>((path, settings) =>
            {
                var backend = OnnxModelBackend.Load(path, settings);
                return path.Contains(slow.Artifact.Sha256, StringComparison.Ordinal) ? new GatedBackend(backend, _slowGate, _slowEntered) : backend;
            });
            b.Services.AddModelDock().AddRegistryEndpoints(r => (r.DataDir, r.PollInterval) = (_data.Path, TimeSpan.FromMilliseconds(100)));
            b.Logging.ClearProviders();
            b.Logging.SetMinimumLevel(LogLevel.Debug);
            b.Logging.AddProvider(_logs);
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
    }

    [Fact]
    public async Task Mirror_FiftyPercentOverRest_AboutHalfReachTheMirrorAndEveryAnswerComesFromTheLiveDeployment()
    {
        await ChangeAsync(() => _endpoints.SetMirrorAsync(Endpoint, new MirrorTraffic("shadow", 50), "test", default));
        const int requests = 1000;

        for (var i = 0; i < requests; i++)
        {
            using var response = await _http.PostAsJsonAsync(
                $"v2/models/{Endpoint}/infer", new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, 8 }, datatype = "FP32", data = new float[8] } } });
            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("blue", Assert.Single(response.Headers.GetValues(EndpointRouter.DeploymentHeader)));
            Assert.Equal("blue", body.RootElement.GetProperty("parameters").GetProperty("deployment").GetString());
            Assert.Equal("1", body.RootElement.GetProperty("model_version").GetString());
        }

        var mirrors = await SettledAsync();
        var reached = Statistics("2").InferenceCount;

        // Two-sided p = 0.001 for Binomial(1000, 0.5): mean 500, standard deviation 15.8, |z| < 3.29.
        Assert.InRange(mirrors.Sent + mirrors.Dropped, 500 - 52, 500 + 52);
        Assert.Equal((ulong)mirrors.Sent, reached);
        Assert.Equal(0, mirrors.Failed);
        Assert.Equal((ulong)requests, Statistics("1").InferenceCount);
    }

    [Fact]
    public async Task Mirror_DeploymentFailsEveryCopy_CallersAnsweredAndFailuresCountedWithOneWarningAndNoError()
    {
        await ChangeAsync(() => _endpoints.SetMirrorAsync(Endpoint, new MirrorTraffic("broken", 50), "test", default));
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();

        for (var i = 0; i < 200; i++)
        {
            var response = await inference.InferAsync(Request(), default);
            Assert.Equal("blue", response.Parameters[EndpointRouter.DeploymentParameter]);
        }

        var mirrors = await SettledAsync();
        var failureLogs = _logs.Entries.Where(e => e.Message.Contains("failed on mirror deployment broken", StringComparison.Ordinal)).ToList();

        // Binomial(200, 0.5) within |z| < 3.29; copies beyond the in-flight limit (a busy thread pool may start them late) are dropped, not failed.
        Assert.InRange(mirrors.Sent + mirrors.Dropped, 100 - 24, 100 + 24);
        Assert.True(mirrors.Sent > 0);
        Assert.Equal(mirrors.Sent, mirrors.Failed);
        Assert.Empty(_logs.AtLeast(LogLevel.Error));
        Assert.Single(failureLogs, e => e.Level == LogLevel.Warning);
        Assert.Equal(mirrors.Failed - 1, failureLogs.Count(e => e.Level == LogLevel.Debug));
        Assert.All(failureLogs, e => Assert.Null(e.Exception));
    }

    [Fact]
    public async Task Mirror_DeploymentHangs_CallersNotSlowedAndCopiesInFlightStayBounded()
    {
        await ChangeAsync(() => _endpoints.SetMirrorAsync(Endpoint, new MirrorTraffic("slow", 50), "test", default));
        var inference = _host.App.Services.GetRequiredService<IInferenceService>();
        _slowGate.Reset();
        var slowest = TimeSpan.Zero;
        var peak = 0;
        var sync = new Lock();
        try
        {
            var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < 150; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    var response = await inference.InferAsync(Request(), default);
                    var elapsed = Stopwatch.GetElapsedTime(started);
                    Assert.Equal("blue", response.Parameters[EndpointRouter.DeploymentParameter]);
                    lock (sync)
                    {
                        slowest = elapsed > slowest ? elapsed : slowest;
                        peak = Math.Max(peak, Router.Mirrors.InFlight);
                    }
                }
            }));
            await Task.WhenAll(clients);
            var during = Router.Mirrors;

            // The gate holds each mirror run for 30 s: a caller that waited for its copy would take that long.
            Assert.True(slowest < TimeSpan.FromSeconds(5), $"the slowest caller took {slowest}");
            Assert.InRange(peak, 1, EndpointRouter.MaxMirrorsInFlight);
            Assert.True(during.Dropped + during.Failed > 0, $"600 requests with half copied to a hung deployment neither dropped nor failed a copy ({during})");
        }
        finally
        {
            _slowGate.Set();
        }

        var after = await SettledAsync();
        Assert.Equal(0, after.InFlight);
        Assert.Equal((ulong)(after.Sent - after.Failed), Statistics("4").InferenceCount);
    }

    public async Task DisposeAsync()
    {
        _slowGate.Set();
        _http.Dispose();
        await _host.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
        _slowGate.Dispose();
        _slowEntered.Dispose();
    }

    private static InferenceRequest Request() => new()
    {
        ModelName = Endpoint,
        Inputs = [Tensor.FromArray(DemoModels.MlpInput, DataType.Fp32, [1, 8], new float[8])],
    };

    /// <summary>The mirror counts once every copy has finished.</summary>
    private async Task<MirrorCounts> SettledAsync()
    {
        for (var i = 0; i < 200 && Router.Mirrors.InFlight > 0; i++)
        {
            await Task.Delay(50);
        }

        return Router.Mirrors;
    }

    private ModelStatistics Statistics(string version) =>
        Assert.Single(_host.App.Services.GetRequiredService<IModelRepositoryControl>().GetStatistics(RegistryModelSource.ServedName("fraud"), version));

    private async Task ChangeAsync(Func<Task> change)
    {
        await change();
        await _host.App.Services.GetRequiredService<EndpointSync>().SyncAsync(default);
    }

    private async Task<ModelVersionInfo> RegisterAsync(ModelRegistry registry, int[] layers, int seed)
    {
        var file = Path.Combine(_data.Path, $"fraud-{seed}.onnx");
        await File.WriteAllBytesAsync(file, DemoModels.Mlp(layers, seed).Onnx);
        return await registry.RegisterAsync(new RegistrationRequest("fraud", file), default);
    }
}
