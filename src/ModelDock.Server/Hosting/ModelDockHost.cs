using System.Net;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
    /// <summary>Category of the host's own log lines (where it listens, the unauthenticated-exposure warning).</summary>
    public const string LogCategory = "ModelDock.Hosting";

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
            // Without TLS there is no protocol negotiation, so a mixed endpoint would only ever speak HTTP/1.1.
            http = Listen(kestrel, address, options.HttpPort, HttpProtocols.Http1);
            grpc = Listen(kestrel, address, options.GrpcPort, HttpProtocols.Http2);
        });

        // Kestrel's "Now listening on" lines do not say which port is REST and which gRPC; StartAsync logs ModelDock's own.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

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

    /// <summary>
    /// Binds both endpoints and starts serving, then logs one line per endpoint (and a warning when it is reachable
    /// from other machines). A port that cannot be bound throws <see cref="EndpointBindException"/>, naming the endpoint.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await App.StartAsync(cancellationToken);
        }
        catch (Exception e) when (EndpointBindException.Classify(e, _http, _grpc) is { } failure)
        {
            throw failure;
        }

        var log = App.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        HostingLog.Listening(log, "REST (HTTP/1.1)", Display(_http), Scope(_http));
        HostingLog.Listening(log, "gRPC (HTTP/2 cleartext)", Display(_grpc), Scope(_grpc));
        if (!IPAddress.IsLoopback(_http.IPEndPoint!.Address))
        {
            HostingLog.Unauthenticated(log, Display(_http), Display(_grpc));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => App.StopAsync(cancellationToken);

    /// <summary>Starts and serves until the application is asked to stop (Ctrl+C, SIGTERM or <paramref name="cancellationToken"/>).</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        await App.WaitForShutdownAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    /// <summary>
    /// <c>*</c> and <c>::</c> listen on IPv6Any, which Kestrel binds dual-mode (IPv4 too); ListenAnyIP falls back
    /// to IPv4 Any on a machine without IPv6, and IPEndPoint then says so.
    /// </summary>
    private static ListenOptions Listen(KestrelServerOptions kestrel, IPAddress address, int port, HttpProtocols protocols)
    {
        ListenOptions? bound = null;
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            bound = listen;
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else
        {
            kestrel.Listen(address, port, Configure);
        }

        return bound!;
    }

    /// <summary>A client cannot connect to a wildcard address; every wildcard bind includes IPv4 loopback.</summary>
    private static Uri AddressOf(ListenOptions listen)
    {
        var endpoint = listen.IPEndPoint!;
        var host = IsWildcard(endpoint.Address) ? IPAddress.Loopback : endpoint.Address;
        return new Uri($"http://{new IPEndPoint(host, endpoint.Port)}/");
    }

    private static string Display(ListenOptions listen) => $"http://{listen.IPEndPoint}";

    private static string Scope(ListenOptions listen)
    {
        var address = listen.IPEndPoint!.Address;
        if (address.Equals(IPAddress.IPv6Any))
        {
            return " (every IPv4 and IPv6 interface)";
        }

        if (address.Equals(IPAddress.Any))
        {
            return " (every IPv4 interface)";
        }

        return IPAddress.IsLoopback(address) ? " (this machine only)" : string.Empty;
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
