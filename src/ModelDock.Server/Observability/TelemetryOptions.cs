namespace ModelDock.Server.Observability;

/// <summary>
/// Where ModelDock's metrics and traces go, bound from the <c>ModelDock</c> configuration section:
/// <c>ModelDock:Metrics:Enabled</c> and <c>:AspNetCore</c>, <c>ModelDock:Otlp:Endpoint</c> and <c>:Protocol</c>,
/// <c>ModelDock:AzureMonitor:ConnectionString</c> (else the <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> environment variable).
/// </summary>
public sealed class TelemetryOptions
{
    public MetricsSettings Metrics { get; set; } = new();

    public OtlpSettings Otlp { get; set; } = new();

    public AzureMonitorSettings AzureMonitor { get; set; } = new();

    /// <summary>Every invalid setting, each named as in configuration.</summary>
    internal List<string> Problems()
    {
        var problems = new List<string>();
        if (Otlp.Endpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0))
        {
            problems.Add($"Otlp:Endpoint '{endpoint}' must be an absolute http or https URL, e.g. http://localhost:4317");
        }

        if (Otlp.Protocol is not (OtlpSettings.Grpc or OtlpSettings.HttpProtobuf))
        {
            problems.Add($"Otlp:Protocol '{Otlp.Protocol}' must be '{OtlpSettings.Grpc}' or '{OtlpSettings.HttpProtobuf}'");
        }

        if (AzureMonitor.ConnectionString is { Length: > 0 } connection && !connection.Contains("InstrumentationKey=", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("AzureMonitor:ConnectionString must be an Application Insights connection string (InstrumentationKey=...;IngestionEndpoint=...)");
        }

        return problems;
    }
}

public sealed class MetricsSettings
{
    /// <summary>Collects the <c>ModelDock</c>, Kestrel, runtime and process meters and serves them at <c>GET /metrics</c>; off, nothing is collected.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Also collects ASP.NET Core's per-request meters (HTTP server duration, routing, rate limiting, authentication).
    /// Off by default: each records several measurements on every request, which costs throughput, and the
    /// <c>ModelDock</c> meter already counts and times every inference call, refused ones included.
    /// </summary>
    public bool AspNetCore { get; set; }
}

public sealed class OtlpSettings
{
    public const string Grpc = "grpc";

    public const string HttpProtobuf = "http/protobuf";

    /// <summary>An OpenTelemetry collector; metrics and traces are pushed there when set.</summary>
    public string? Endpoint { get; set; }

    /// <summary><c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (4318; <c>/v1/metrics</c> and <c>/v1/traces</c> are appended).</summary>
    public string Protocol { get; set; } = Grpc;
}

public sealed class AzureMonitorSettings
{
    /// <summary>An Application Insights connection string; metrics and traces are exported there when set.</summary>
    public string? ConnectionString { get; set; }
}
