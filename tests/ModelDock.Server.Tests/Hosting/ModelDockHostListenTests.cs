using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;

namespace ModelDock.Server.Tests.Hosting;

/// <summary>Where the host listens and what it tells the operator about it.</summary>
public sealed class ModelDockHostListenTests
{
    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task StartAsync_Loopback_LogsOneLinePerEndpointNamingRestAndGrpcWithoutWarning()
    {
        await using var host = Create(ServerFixture.AnyFreePorts);

        await host.StartAsync();

        Assert.Equal(
            [
                $"REST (HTTP/1.1) listening on http://127.0.0.1:{host.HttpPort} (this machine only)",
                $"gRPC (HTTP/2 cleartext) listening on http://127.0.0.1:{host.GrpcPort} (this machine only)",
            ],
            _logs.In(ModelDockHost.LogCategory).Select(l => l.Message));
        Assert.DoesNotContain(_logs.Lines, l => l.Level >= LogLevel.Warning);
        Assert.DoesNotContain(_logs.Lines, l => l.Message.StartsWith("Now listening on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_AllInterfaces_BindsIPv4AndIPv6AndWarnsThatInferenceNeedsNoKey()
    {
        using var data = new ModelDock.Testing.Features.TempFolder();
        using (var storage = ModelDock.Registry.RegistryStorage.Local(data.Path))
        {
            await new ModelDock.Access.ApiKeys(storage.Keys, TimeProvider.System).CreateAsync("operator", ModelDock.Access.ApiKeyRole.Admin, "test", default);
        }

        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts + (o => o.Host = "*"), b =>
        {
            b.Services.AddModelDock().AddRegistryEndpoints(r => r.DataDir = data.Path);
            b.Logging.ClearProviders();
            b.Logging.AddProvider(_logs);
        });

        await host.StartAsync();

        // Kestrel binds [::] dual-mode, and falls back to 0.0.0.0 only where the OS has no IPv6.
        var (address, scope) = Socket.OSSupportsIPv6 ? ("[::]", "every IPv4 and IPv6 interface") : ("0.0.0.0", "every IPv4 interface");
        var lines = _logs.In(ModelDockHost.LogCategory);
        Assert.Equal($"REST (HTTP/1.1) listening on http://{address}:{host.HttpPort} ({scope})", lines[0].Message);
        Assert.Equal($"gRPC (HTTP/2 cleartext) listening on http://{address}:{host.GrpcPort} ({scope})", lines[1].Message);
        var warning = Assert.Single(lines, l => l.Level == LogLevel.Warning);
        Assert.Contains("changes need an admin key, but inference", warning.Message, StringComparison.Ordinal);
        Assert.Contains("gateway or a network policy", warning.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri($"http://127.0.0.1:{host.HttpPort}/"), host.HttpAddress);
        Assert.Equal(HttpStatusCode.OK, await LiveStatusAsync(new Uri($"http://127.0.0.1:{host.HttpPort}/")));
        if (HasIPv6Loopback())
        {
            Assert.Equal(HttpStatusCode.OK, await LiveStatusAsync(new Uri($"http://[::1]:{host.HttpPort}/")));
        }
    }

    [Theory]
    [InlineData(ModelDockListener.Rest)]
    [InlineData(ModelDockListener.Grpc)]
    public async Task StartAsync_PortInUse_ThrowsEndpointBindExceptionNamingTheEndpoint(ModelDockListener taken)
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var busy = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var options = taken == ModelDockListener.Rest
            ? (Action<ModelDockServerOptions>)(o => (o.HttpPort, o.GrpcPort) = (busy, 0))
            : o => (o.HttpPort, o.GrpcPort) = (0, busy);
        await using var host = Create(options);

        var error = await Assert.ThrowsAsync<ListenerBindException>(() => host.StartAsync());

        Assert.Equal(taken, error.Listener);
        Assert.Equal(SocketError.AddressAlreadyInUse, error.Reason);
        Assert.Equal($"{(taken == ModelDockListener.Rest ? "REST" : "gRPC")} port {busy} on 127.0.0.1 is already in use", error.Message);
    }

    private static async Task<HttpStatusCode> LiveStatusAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        return (await http.GetAsync("/v2/health/live")).StatusCode;
    }

    private static bool HasIPv6Loopback() =>
        Socket.OSSupportsIPv6 && NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Any(a => a.Address.Equals(IPAddress.IPv6Loopback));

    private ModelDockHost Create(Action<ModelDockServerOptions> options) =>
        ModelDockHost.Create(options, b =>
        {
            NoModels.AddTo(b.Services);
            b.Logging.ClearProviders();
            b.Logging.AddProvider(_logs);
        });
}
