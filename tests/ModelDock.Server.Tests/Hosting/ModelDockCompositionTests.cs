using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Hosting;

/// <summary>ModelDock composed the ASP.NET way: <c>AddModelDock</c>, <c>UseModelDock</c>, <c>MapModelDock</c>.</summary>
public sealed class ModelDockCompositionTests : IDisposable
{
    private readonly TestModelRepository _repository = new();

    public ModelDockCompositionTests()
    {
        _repository.AddVersion(ServerFixture.NoBatch, 1, DemoModels.NoBatch());
    }

    [Fact]
    public async Task StartAsync_ModelsStillLoading_PortsAreBoundAndReadinessAnswers503()
    {
        using var loading = new ManualResetEventSlim();
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Services.AddSingleton<ModelBackendLoader>((path, settings) =>
            {
                loading.Wait(TimeSpan.FromSeconds(30));
                return OnnxModelBackend.Load(path, settings);
            });
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository.Path);
            b.Logging.ClearProviders();
        });

        var start = host.StartAsync();
        using var http = new HttpClient { BaseAddress = await ListeningAddressAsync(host) };
        var whileLoading = await http.GetAsync("v2/health/ready");
        loading.Set();
        await start;
        var afterLoading = await http.GetAsync("v2/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileLoading.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterLoading.StatusCode);
    }

    [Fact]
    public async Task MapModelDock_Convention_AppliesToRestAndGrpcRoutes()
    {
        var (restPort, grpcPort) = (LoopbackPorts.Free(), LoopbackPorts.Free());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, restPort, l => l.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, grpcPort, l => l.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = _repository.Path);
        await using var app = builder.Build();
        app.UseModelDock();
        app.MapModelDock().Add(endpoint => endpoint.RequestDelegate = Guarded(endpoint.RequestDelegate!));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{restPort}/") };
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        http.DefaultRequestHeaders.Add("x-let-me-in", "yes");
        var headers = new Metadata { { "x-let-me-in", "yes" } };

        var refused = await new HttpClient { BaseAddress = http.BaseAddress }.GetAsync("v2/health/ready");
        var refusedCall = await Assert.ThrowsAsync<RpcException>(() => grpc.ServerReadyAsync(new ServerReadyRequest()).ResponseAsync);
        var allowed = await http.GetAsync("v2/health/ready");
        var allowedCall = await grpc.ServerReadyAsync(new ServerReadyRequest(), headers);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, refusedCall.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.True(allowedCall.Ready);
        await app.StopAsync();
    }

    public void Dispose() => _repository.Dispose();

    /// <summary>Stands in for RequireAuthorization: refuses calls without a header, REST with 403, gRPC with PERMISSION_DENIED.</summary>
    private static RequestDelegate Guarded(RequestDelegate inner) => context =>
    {
        if (context.Request.Headers.ContainsKey("x-let-me-in"))
        {
            return inner(context);
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    };

    /// <summary>The REST address once Kestrel has bound it (the port reads 0 until then).</summary>
    private static async Task<Uri> ListeningAddressAsync(ModelDockHost host)
    {
        for (var attempt = 0; attempt < 600 && host.HttpPort == 0; attempt++)
        {
            await Task.Delay(50);
        }

        return host.HttpPort != 0 ? host.HttpAddress : throw new TimeoutException("the host never bound its REST port");
    }

}
