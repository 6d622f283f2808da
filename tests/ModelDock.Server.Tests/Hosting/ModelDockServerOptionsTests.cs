using System.Net;
using ModelDock.Errors;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;

namespace ModelDock.Server.Tests.Hosting;

public sealed class ModelDockServerOptionsTests
{
    [Fact]
    public void Defaults_AreTritonPortsOnLoopbackWith64MiBLimits()
    {
        var options = new ModelDockServerOptions();

        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(8000, options.HttpPort);
        Assert.Equal(8001, options.GrpcPort);
        Assert.Equal(64L * 1024 * 1024, options.MaxRequestBodyBytes);
        Assert.Equal(64 * 1024 * 1024, options.GrpcMaxMessageBytes);
        options.Validate();
    }

    [Fact]
    public void Validate_EverySettingWrong_ListsThemAllInOneMessage()
    {
        var options = new ModelDockServerOptions
        {
            Host = "not a host",
            HttpPort = -1,
            GrpcPort = 70000,
            MaxRequestBodyBytes = 0,
            GrpcMaxMessageBytes = -5,
        };

        var error = Assert.Throws<ModelDockException>(options.Validate);

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("Host 'not a host'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HttpPort -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrpcPort 70000", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRequestBodyBytes 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrpcMaxMessageBytes -5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameNonZeroPorts_IsRefused()
    {
        var error = Assert.Throws<ModelDockException>(new ModelDockServerOptions { HttpPort = 9000, GrpcPort = 9000 }.Validate);

        Assert.Contains("must differ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("*")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("[::1]")]
    [InlineData("fe80::1%1")]
    public void Validate_AcceptedHosts_Pass(string host) => new ModelDockServerOptions { Host = host }.Validate();

    [Theory]
    [InlineData("*", "::")]
    [InlineData("::", "::")]
    [InlineData("[::1]", "::1")]
    [InlineData("localhost", "127.0.0.1")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    public void TryParseHost_WildcardsAndIPv6Literals_ResolveToTheAddressToBind(string host, string expected)
    {
        Assert.True(ModelDockServerOptions.TryParseHost(host, out var address));

        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("example.org")]
    [InlineData("[10.0.0.7]")]
    [InlineData("")]
    public void TryParseHost_NotAnAddress_IsRefused(string host) => Assert.False(ModelDockServerOptions.TryParseHost(host, out _));

    [Fact]
    public async Task Create_PortZero_ReportsTheBoundPortsAfterStart()
    {
        await using var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b => NoModels.AddTo(b.Services), app =>
            Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(app, "/extra", () => "hello"));

        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress };

        Assert.NotEqual(0, host.HttpPort);
        Assert.NotEqual(0, host.GrpcPort);
        Assert.NotEqual(host.HttpPort, host.GrpcPort);
        Assert.Equal("hello", await http.GetStringAsync("/extra"));
    }
}
