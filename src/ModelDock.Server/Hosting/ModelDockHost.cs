using System.Net;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelDock.Server.Admission;
using ModelDock.Server.Grpc;
using ModelDock.Server.Rest;
using ModelDock.Serving;

namespace ModelDock.Server.Hosting;

/// <summary>
/// The ModelDock web host: Kestrel with a REST endpoint (HTTP/1.1) and a separate
/// cleartext HTTP/2 endpoint for gRPC, both serving one <see cref="IModelServer"/>.
/// </summary>
public sealed class ModelDockHost : IAsyncDisposable
{
    private readonly ListenOptions _http;
    private readonly ListenOptions _grpc;

    private ModelDockHost(WebApplication app, ListenOptions http, ListenOptions grpc)
    {
        App = app;
        _http = http;
        _grpc = grpc;
    }

    /// <summary>The underlying application, for callers that need its services or lifetime.</summary>
    public WebApplication App { get; }

    /// <summary>The REST port actually bound; valid after <see cref="StartAsync"/> (resolves port 0).</summary>
    public int HttpPort => _http.IPEndPoint!.Port;

    /// <summary>The gRPC port actually bound; valid after <see cref="StartAsync"/>.</summary>
    public int GrpcPort => _grpc.IPEndPoint!.Port;

    /// <summary>Base address of the REST endpoint, e.g. <c>http://127.0.0.1:8000/</c>.</summary>
    public Uri HttpAddress => AddressOf(_http);

    /// <summary>Address a GrpcChannel connects to, e.g. <c>http://127.0.0.1:8001/</c>.</summary>
    public Uri GrpcAddress => AddressOf(_grpc);

    /// <summary>Builds the host; nothing listens until <see cref="StartAsync"/> or <see cref="RunAsync"/>.</summary>
    /// <param name="options">Ports and limits; validated here.</param>
    /// <param name="modelServer">The data plane every endpoint calls; the caller owns its lifetime.</param>
    /// <param name="configureBuilder">Adds services, logging or configuration before the app is built.</param>
    /// <param name="mapEndpoints">Maps extra endpoints (they share the REST port and the OIP error handling).</param>
    public static ModelDockHost Create(
        ModelDockServerOptions options,
        IModelServer modelServer,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? mapEndpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelServer);
        options.Validate();
        ModelDockServerOptions.TryParseHost(options.Host, out var address);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        ListenOptions? http = null;
        ListenOptions? grpc = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(address, options.HttpPort, l =>
            {
                // Without TLS there is no protocol negotiation, so a mixed endpoint would only ever speak HTTP/1.1.
                l.Protocols = HttpProtocols.Http1;
                http = l;
            });
            kestrel.Listen(address, options.GrpcPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                grpc = l;
            });
        });

        // Triton accepts gzip/deflate request bodies and compresses responses for clients that ask;
        // tritonclient's request_compression_algorithm and response_compression_algorithm rely on it.
        builder.Services.AddRequestDecoding();
        builder.Services.AddResponseCompression(compression => compression.MimeTypes = ["application/json", "application/octet-stream"]);
        builder.Services.AddSingleton(modelServer);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new RequestMemoryBudget(options.MaxInflightRequestBytes));
        builder.Services.AddInferenceAdmission(options.MaxConcurrentInferences, options.MaxQueuedInferences);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<InferenceGrpcService>, ParseCheckedMethodProvider>());
        builder.Services.AddGrpc(grpcOptions =>
        {
            grpcOptions.MaxReceiveMessageSize = options.GrpcMaxMessageBytes;
            grpcOptions.MaxSendMessageSize = options.GrpcMaxMessageBytes;
            grpcOptions.Interceptors.Add<GrpcErrorInterceptor>();
        });
        configureBuilder?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<RestErrorMiddleware>();
        app.UseWhen(context => !GrpcResponses.IsGrpc(context), rest => rest.UseRequestDecoding().UseResponseCompression());
        app.UseRateLimiter();
        app.UseMiddleware<RequestMemoryMiddleware>();
        app.MapOpenInferenceProtocol(modelServer, options.MaxRequestBodyBytes);
        app.MapGrpcService<InferenceGrpcService>().RequireModelInferAdmission();
        app.MapGrpcService<HealthGrpcService>();
        mapEndpoints?.Invoke(app);

        // Kestrel calls the Listen callbacks when the options are first resolved, which Build() has not done yet.
        _ = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        return new ModelDockHost(app, http!, grpc!);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => App.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    /// <summary>Starts and serves until the application is asked to stop (Ctrl+C, SIGTERM or <paramref name="cancellationToken"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await App.StartAsync(cancellationToken);
        await App.WaitForShutdownAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    private static Uri AddressOf(ListenOptions listen)
    {
        var endpoint = listen.IPEndPoint!;
        var host = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address;
        return new Uri($"http://{new IPEndPoint(host, endpoint.Port)}/");
    }
}
