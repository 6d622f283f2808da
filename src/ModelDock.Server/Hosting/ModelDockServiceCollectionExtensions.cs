using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.Access;
using ModelDock.Endpoints;
using ModelDock.Features.Assembly;
using ModelDock.Observability;
using ModelDock.Registry;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Server.Access;
using ModelDock.Server.Admission;
using ModelDock.Server.Grpc;
using ModelDock.Server.Hosting;
using ModelDock.Server.Rest;
using ModelDock.Serving;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers ModelDock's serving stack; pair with <c>app.UseModelDock()</c> and <c>app.MapModelDock()</c>.</summary>
public static class ModelDockServiceCollectionExtensions
{
    /// <summary>Configuration section of <see cref="ModelDockServerOptions"/>; environment variables reach it as <c>MODELDOCK__HTTPPORT</c> and so on.</summary>
    public const string ConfigurationSection = "ModelDock";

    /// <summary>Configuration section of <see cref="RegistryOptions"/> (<c>MODELDOCK__REGISTRY__POSTGRES</c> and so on), which the CLI reads too.</summary>
    public const string RegistrySection = ConfigurationSection + ":Registry";

    /// <summary>
    /// The data plane, admission, request decoding and gRPC, with <see cref="ModelDockServerOptions"/> bound from the
    /// <c>ModelDock</c> configuration section, then <paramref name="configure"/>, and validated when the host starts.
    /// Calling it again adds only <paramref name="configure"/>, so a library and its host can both call it.
    /// </summary>
    public static IModelDockBuilder AddModelDock(this IServiceCollection services, Action<ModelDockServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new ModelDockBuilder(services);
        var first = !services.Any(s => s.ServiceType == typeof(ModelDockBuilder));
        var options = services.AddOptions<ModelDockServerOptions>();
        if (first)
        {
            // Configuration first, so that options set in code win.
            services.AddSingleton(builder);
            options.BindConfiguration(ConfigurationSection).ValidateOnStart();
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (!first)
        {
            return builder;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelDockServerOptions>, ModelDockServerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelDockServerOptions>, AdminKeyValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServingTable>();
        services.AddMetrics();
        services.TryAddSingleton<ServingMetrics>();
        services.TryAddSingleton<InferenceService>();
        services.TryAddSingleton<IInferenceService>(sp => sp.GetRequiredService<InferenceService>());
        services.TryAddSingleton(sp => new RequestMemoryBudget(sp.GetRequiredService<IOptions<ModelDockServerOptions>>().Value.MaxInflightRequestBytes));
        services.AddInferenceAdmission();
        services.AddModelDockTracing();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(AccessPolicies.Scheme, null);
        services.AddAuthorization(AccessPolicies.Add);

        // Triton accepts gzip/deflate request bodies and compresses responses for clients that ask;
        // tritonclient's request_compression_algorithm and response_compression_algorithm rely on it.
        services.AddRequestDecoding();
        services.AddResponseCompression(compression => compression.MimeTypes = ["application/json", "application/octet-stream"]);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<InferenceGrpcService>, ParseCheckedMethodProvider>());
        services.AddGrpc(grpc => grpc.Interceptors.Add<GrpcErrorInterceptor>());
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ModelDockServerOptions>>((grpc, server) =>
        {
            grpc.MaxReceiveMessageSize = server.Value.GrpcMaxMessageBytes;
            grpc.MaxSendMessageSize = server.Value.GrpcMaxMessageBytes;
        });
        return builder;
    }

    /// <summary>
    /// Serves a model repository folder in Triton's layout, bound from <c>ModelDock:ModelRepository</c> and then
    /// <paramref name="configure"/>. Its models load when the host starts, after the ports are bound, so a port in use
    /// fails at once and readiness answers 503 while they load.
    /// </summary>
    public static IModelDockBuilder AddModelRepository(this IModelDockBuilder builder, Action<ModelRepositoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<ModelRepositoryOptions>().BindConfiguration(ConfigurationSection + ":ModelRepository").ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelRepositoryOptions>, ModelRepositoryOptionsValidator>());
        services.TryAddSingleton(sp => new FolderModelSource(
            sp.GetRequiredService<IOptions<ModelRepositoryOptions>>().Value,
            sp.GetRequiredService<ServingTable>(),
            sp.GetRequiredService<ILogger<FolderModelSource>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ModelBackendLoader>(),
            sp.GetService<ServingMetrics>(),
            sp.GetService<IModelFeatureSource>()));
        services.Replace(ServiceDescriptor.Singleton<IModelRepositoryControl>(sp => sp.GetRequiredService<FolderModelSource>()));
        services.AddSingleton<IHostedService>(sp =>
        {
            var source = sp.GetRequiredService<FolderModelSource>();
            return new AfterStart(source.StartAsync, source.StopAsync);
        });
        return builder;
    }

    /// <summary>
    /// Serves the registry's endpoints from the storage <see cref="RegistryOptions"/> names (the data folder, or
    /// PostgreSQL and Blob Storage shared by replicas; see <see cref="RegistryStorage"/>): requests to an endpoint's name are
    /// routed to its deployments by traffic split, and changes to the endpoints (from this process, the CLI or another
    /// replica) are picked up within <see cref="RegistryOptions.PollInterval"/>.
    /// </summary>
    public static IModelDockBuilder AddRegistryEndpoints(this IModelDockBuilder builder, Action<RegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<RegistryOptions>().BindConfiguration(RegistrySection).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o => !string.IsNullOrWhiteSpace(o.DataDir) && o.PollInterval > TimeSpan.Zero, "ModelDock:Registry needs a DataDir and a positive PollInterval.");
        options.Validate(o => string.IsNullOrWhiteSpace(o.BlobStorage) || !string.IsNullOrWhiteSpace(o.BlobContainer), "ModelDock:Registry:BlobStorage needs a BlobContainer.");
        services.TryAddSingleton<ITrafficRandom, ThreadLocalTrafficRandom>();
        services.TryAddSingleton(sp => RegistryStorage.Open(
            sp.GetRequiredService<IOptions<RegistryOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ModelBackendLoader>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<RegistryStorage>().Registry);
        services.TryAddSingleton(sp => sp.GetRequiredService<RegistryStorage>().Endpoints);
        services.TryAddSingleton(sp => sp.GetRequiredService<RegistryStorage>().Keys);
        services.TryAddSingleton(sp => new ApiKeys(sp.GetRequiredService<IApiKeyStore>(), sp.GetRequiredService<TimeProvider>()));

        // The server's manager loads and warms a version before a deploy of it is written.
        services.TryAddSingleton(sp => new EndpointManager(
            sp.GetRequiredService<IEndpointStore>(),
            sp.GetRequiredService<ModelRegistry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<EndpointSync>().PreloadAsync));
        services.AddOpenApi();
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.TryAddSingleton(sp => new RegistryModelSource(
            sp.GetRequiredService<ModelRegistry>(),
            sp.GetRequiredService<ServingTable>(),
            sp.GetRequiredService<RegistryStorage>().CacheFolder,
            sp.GetRequiredService<ILogger<RegistryModelSource>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ModelBackendLoader>(),
            sp.GetService<ServingMetrics>(),
            sp.GetService<IModelFeatureSource>()));
        services.TryAddSingleton(sp => new EndpointRouter(
            sp.GetRequiredService<InferenceService>(), sp.GetRequiredService<ITrafficRandom>(), sp.GetRequiredService<ILogger<EndpointRouter>>(), sp.GetService<ServingMetrics>()));
        services.Replace(ServiceDescriptor.Singleton<IInferenceService>(sp => sp.GetRequiredService<EndpointRouter>()));
        services.TryAddSingleton(sp => new EndpointSync(
            sp.GetRequiredService<IEndpointStore>(),
            sp.GetRequiredService<RegistryModelSource>(),
            sp.GetRequiredService<EndpointRouter>(),
            sp.GetRequiredService<ServingTable>(),
            sp.GetRequiredService<IOptions<RegistryOptions>>().Value.PollInterval,
            sp.GetRequiredService<ILogger<EndpointSync>>()));
        services.AddSingleton<IHostedService>(sp =>
        {
            var sync = sp.GetRequiredService<EndpointSync>();
            return new AfterStart(sync.StartAsync, () => sync.DisposeAsync().AsTask());
        });

        // Without a repository folder, the index and statistics come from what is served.
        services.TryAddSingleton<IModelRepositoryControl>(sp => new TableRepositoryControl(sp.GetRequiredService<ServingTable>()));
        return builder;
    }

    private sealed class ModelDockBuilder(IServiceCollection services) : IModelDockBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
