using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.PayloadLog;
using ModelDock.Server.Hosting;
using ModelDock.Serving;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the payload log: sampled requests and answers written to Parquet in the offline store.</summary>
public static class PayloadLogServiceCollectionExtensions
{
    /// <summary>
    /// Samples requests into <c>&lt;DataDir&gt;/offline/payloads</c> as <see cref="PayloadLogOptions"/> (bound from
    /// <c>ModelDock:PayloadLog</c>, then <paramref name="configure"/>, validated at start) say. It decorates the
    /// <see cref="IInferenceService"/> registered so far, so call it after every other stage (such as
    /// <c>AddRegistryEndpoints</c>) to see requests as callers send them. Off (and free) while every sample rate is 0.
    /// </summary>
    public static IModelDockBuilder AddPayloadLog(this IModelDockBuilder builder, Action<PayloadLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PayloadLogOptions>().BindConfiguration(PayloadLogOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PayloadLogOptions>, PayloadLogOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PayloadBuffer(sp.GetRequiredService<IOptions<PayloadLogOptions>>().Value, sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IPayloadSink>(sp => new ParquetPayloadSink(sp.GetRequiredService<IOptions<PayloadLogOptions>>().Value.DataDir ?? string.Empty, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new PayloadWriter(
            sp.GetRequiredService<PayloadBuffer>(),
            sp.GetRequiredService<IPayloadSink>(),
            sp.GetRequiredService<IOptions<PayloadLogOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PayloadWriter>>()));
        services.AddSingleton<IHostedService, PayloadLogLifetime>();

        var inner = services.LastOrDefault(s => s.ServiceType == typeof(IInferenceService) && !s.IsKeyedService)
            ?? throw new InvalidOperationException("AddPayloadLog decorates the data plane; call AddModelDock first.");
        services.Replace(ServiceDescriptor.Singleton<IInferenceService>(sp => new PayloadLoggingService(
            Resolve(sp, inner),
            sp.GetRequiredService<PayloadBuffer>(),
            sp.GetRequiredService<IOptions<PayloadLogOptions>>().Value,
            sp.GetRequiredService<TimeProvider>())));
        return builder;
    }

    private static IInferenceService Resolve(IServiceProvider services, ServiceDescriptor descriptor) =>
        (IInferenceService)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    /// <summary>
    /// Starts the writer once the host has started, and stops it only after the server has stopped (StoppedAsync), so
    /// requests still answered during shutdown are written too.
    /// </summary>
    private sealed class PayloadLogLifetime(PayloadWriter writer) : IHostedLifecycleService
    {
        public Task StartedAsync(CancellationToken cancellationToken) => writer.StartAsync(cancellationToken);

        public Task StoppedAsync(CancellationToken cancellationToken) => writer.StopAsync();

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
