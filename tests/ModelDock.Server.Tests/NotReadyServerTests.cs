using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Server.Grpc.Health;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests;

/// <summary>A repository with a model that cannot load: the server is live but not ready, and says so on both transports.</summary>
public sealed class NotReadyServerTests : IAsyncLifetime
{
    private const string Broken = "broken";

    private readonly TestModelRepository _repository = new();
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _repository.AddVersion(Broken, 1, [1, 2, 3]);
        _repository.AddVersion(ServerFixture.NoBatch, 1, DemoModels.NoBatch());
        _host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository.Path);
            b.Logging.ClearProviders();
        });
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
        _channel = GrpcChannel.ForAddress(_host.GrpcAddress);
    }

    [Fact]
    public async Task Rest_ServerNotReady_Returns503ButLive()
    {
        var ready = await _http.GetJsonAsync("/v2/health/ready");
        var live = await _http.GetJsonAsync("/v2/health/live");
        var modelReady = await _http.GetJsonAsync($"/v2/models/{Broken}/ready");
        var infer = await _http.PostJsonAsync($"/v2/models/{Broken}/infer", """{"inputs": []}""");

        ready.AssertError(HttpStatusCode.ServiceUnavailable, "not ready");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        modelReady.AssertError(HttpStatusCode.ServiceUnavailable, "model 'broken' has no ready version");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, infer.Status);
    }

    [Fact]
    public async Task Grpc_ServerNotReady_ReportsNotServingAndUnavailable()
    {
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        var request = new ModelInferRequest { ModelName = Broken };

        var ready = await client.ServerReadyAsync(new ServerReadyRequest());
        var health = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest());
        var infer = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request).ResponseAsync);

        Assert.False(ready.Ready);
        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);
        Assert.Equal(StatusCode.Unavailable, infer.StatusCode);
        Assert.Single((await client.ModelInferAsync(Grpc.GrpcInferTests.NoBatchRequest())).Outputs);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        _channel.Dispose();
        await _host.DisposeAsync();
        _repository.Dispose();
    }
}
