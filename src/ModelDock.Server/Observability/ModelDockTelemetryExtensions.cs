using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Errors;
using ModelDock.Observability;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ModelDock.Server.Observability;

/// <summary>The OpenTelemetry pipeline of the ModelDock host: which meters are collected and where metrics and traces go.</summary>
public static class ModelDockTelemetryExtensions
{
    /// <summary>The route Prometheus scrapes, on the REST port (Triton serves its metrics at the same path).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>ASP.NET Core meters that record per connection or per failure only: Kestrel's connections, unhandled exceptions.</summary>
    private static readonly string[] ConnectionMeters = ["Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics"];

    /// <summary>ASP.NET Core meters that record on every request: HTTP server durations and active requests, routing, rate limiting, authentication.</summary>
    private static readonly string[] PerRequestMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
    ];

    /// <summary>
    /// Reads <see cref="TelemetryOptions"/> from <paramref name="configuration"/> and composes OpenTelemetry from them: the
    /// <c>ModelDock</c>, Kestrel, runtime and process meters (and ASP.NET Core's per-request meters when asked) with a Prometheus exporter (unless metrics are off), and
    /// OTLP and Azure Monitor exporters for metrics and traces when configured. Invalid settings throw one
    /// <see cref="ModelDockException"/> naming each.
    /// </summary>
    public static IServiceCollection AddModelDockTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new TelemetryOptions();
        try
        {
            configuration.GetSection(ModelDockServiceCollectionExtensions.ConfigurationSection).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type, e.g. "Metrics": {"Enabled": "maybe"}; the message names the key and the value.
            throw ModelDockException.InvalidInput(e.Message);
        }

        if (string.IsNullOrEmpty(options.AzureMonitor.ConnectionString))
        {
            options.AzureMonitor.ConnectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        }

        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw ModelDockException.InvalidInput("Invalid telemetry options: " + string.Join("; ", problems) + ".");
        }

        services.AddSingleton(options);
        var otlp = string.IsNullOrEmpty(options.Otlp.Endpoint) ? null : options.Otlp;
        var azure = string.IsNullOrEmpty(options.AzureMonitor.ConnectionString) ? null : options.AzureMonitor.ConnectionString;
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("modeldock"));
        if (options.Metrics.Enabled)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(ServingMetrics.MeterName).AddMeter(ConnectionMeters).AddRuntimeInstrumentation().AddProcessInstrumentation().AddPrometheusExporter();
                if (options.Metrics.AspNetCore)
                {
                    metrics.AddMeter(PerRequestMeters);
                }

                if (otlp is not null)
                {
                    metrics.AddOtlpExporter(exporter => Configure(exporter, otlp, "/v1/metrics"));
                }

                if (azure is not null)
                {
                    metrics.AddAzureMonitorMetricExporter(exporter => exporter.ConnectionString = azure);
                }
            });
        }

        // Spans come from the sources other parts add with WithTracing; this only says where they are exported.
        if (otlp is not null || azure is not null)
        {
            telemetry.WithTracing(tracing =>
            {
                if (otlp is not null)
                {
                    tracing.AddOtlpExporter(exporter => Configure(exporter, otlp, "/v1/traces"));
                }

                if (azure is not null)
                {
                    tracing.AddAzureMonitorTraceExporter(exporter => exporter.ConnectionString = azure);
                }
            });
        }

        return services;
    }

    /// <summary>With an endpoint set in code, the HTTP exporter does not append the signal's path itself.</summary>
    private static void Configure(OtlpExporterOptions exporter, OtlpSettings settings, string signalPath)
    {
        if (settings.Protocol == OtlpSettings.HttpProtobuf)
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(settings.Endpoint!.TrimEnd('/') + signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = new Uri(settings.Endpoint!);
        }
    }
}
