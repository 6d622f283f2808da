using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.Errors;
using ModelDock.Server.Observability;

namespace ModelDock.Server.Hosting;

/// <summary>
/// The ModelDock web host: Kestrel with a REST listener (HTTP/1.1) and a separate cleartext HTTP/2 listener for
/// gRPC, composed with <c>AddModelDock</c>, <c>UseModelDock</c> and <c>MapModelDock</c> as an application embedding
/// ModelDock would compose them.
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

    /// <summary>
    /// Builds the host; nothing listens until <see cref="StartAsync"/> or <see cref="RunAsync"/>. Options come from the
    /// configuration stack (appsettings.json, environment variables such as <c>MODELDOCK__HTTPPORT</c>, whatever
    /// <paramref name="configureBuilder"/> adds), then <paramref name="configureOptions"/>; invalid options throw here.
    /// </summary>
    /// <param name="configureOptions">Sets options in code, over configuration.</param>
    /// <param name="configureBuilder">Adds model sources (<c>builder.Services.AddModelDock().AddModelRepository(...)</c>), services, logging or configuration before the app is built.</param>
    /// <param name="mapEndpoints">Maps extra routes (they share the REST port and the OIP error handling).</param>
    /// <param name="contentRoot">Where appsettings.json is read from; the working directory when null.</param>
    public static ModelDockHost Create(
        Action<ModelDockServerOptions>? configureOptions = null,
        Action<WebApplicationBuilder>? configureBuilder = null,
        Action<WebApplication>? mapEndpoints = null,
        string? contentRoot = null)
    {
        WebApplicationBuilder builder;
        try
        {
            // Options are read once at start, so watching appsettings.json for changes would only cost an inotify
            // instance, of which Linux allows 128 per user by default across every .NET process.
            builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = contentRoot });
        }
        catch (InvalidDataException e)
        {
            // appsettings.json that is not JSON: the file's path is in the message, the position in the inner one.
            throw ModelDockException.InvalidInput($"{e.Message} {e.InnerException?.Message}".TrimEnd());
        }

        builder.Services.AddModelDock(configureOptions);
        ListenOptions? http = null;
        ListenOptions? grpc = null;

        // Registered before any model source, so the lines appear once the ports are bound, not after models load.
        builder.Services.AddSingleton<IHostedService>(sp => new AfterStart(_ =>
        {
            LogListeners(sp.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory), http!, grpc!);
            return Task.CompletedTask;
        }));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<ModelDockServerOptions>>().Value;
            ModelDockServerOptions.TryParseHost(options.Host, out var address);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;

            // Without TLS there is no protocol negotiation, so a mixed endpoint would only ever speak HTTP/1.1.
            http = Listen(kestrel, address, options.HttpPort, HttpProtocols.Http1);
            grpc = Listen(kestrel, address, options.GrpcPort, HttpProtocols.Http2);
        });

        // Kestrel's "Now listening on" lines do not say which port is REST and which gRPC; StartAsync logs ModelDock's own.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        configureBuilder?.Invoke(builder);

        // After configureBuilder, whose configuration (e.g. command-line flags) decides where telemetry goes.
        builder.Services.AddModelDockTelemetry(builder.Configuration);

        // Options are bound and validated now rather than at start, so a bad setting fails before anything listens.
        // Build() resolves Kestrel's options, which reads ModelDock's in the Listen callback above.
        WebApplication? app = null;
        try
        {
            app = builder.Build();
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw Invalid(app, e.Message);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(inner => inner is OptionsValidationException))
        {
            // More than one options class was invalid: the start-up validator reports them together, and so does this.
            throw Invalid(app, string.Join(" ", e.InnerExceptions.Select(inner => inner.Message)));
        }
        catch (InvalidOperationException e) when (e.TargetSite?.DeclaringType == typeof(ConfigurationBinder))
        {
            // A value of the wrong type, e.g. "HttpPort": "eighty"; the message names the key and the value.
            throw Invalid(app, e.Message);
        }
        catch (InvalidOperationException e) when (e.TargetSite?.DeclaringType?.Namespace == typeof(ILogger).Namespace)
        {
            // A log level that is not one, e.g. "Logging": {"LogLevel": {"Default": "Loud"}}; the message names the value.
            throw Invalid(app, $"Invalid Logging settings: {e.Message}");
        }

        app.UseModelDock();
        app.MapModelDock();
        mapEndpoints?.Invoke(app);
        return new ModelDockHost(app, http!, grpc!);
    }

    /// <summary>Says where each listener is bound, and warns when that is beyond this machine.</summary>
    private static void LogListeners(ILogger log, ListenOptions http, ListenOptions grpc)
    {
        HostingLog.Listening(log, "REST (HTTP/1.1)", Display(http), Scope(http));
        HostingLog.Listening(log, "gRPC (HTTP/2 cleartext)", Display(grpc), Scope(grpc));
        if (!IPAddress.IsLoopback(http.IPEndPoint!.Address))
        {
            HostingLog.Unauthenticated(log, Display(http), Display(grpc));
        }
    }

    private static ModelDockException Invalid(WebApplication? built, string message)
    {
        ((IDisposable?)built)?.Dispose();
        return ModelDockException.InvalidInput(message);
    }

    /// <summary>
    /// Binds both endpoints and starts serving: logs one line per endpoint (and a warning when it is reachable from
    /// other machines) as soon as both are bound, then loads the model sources. A port that cannot be bound throws <see cref="ListenerBindException"/>, naming the endpoint.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await App.StartAsync(cancellationToken);
        }
        catch (Exception e) when (ListenerBindException.Classify(e, _http, _grpc) is { } failure)
        {
            throw failure;
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
