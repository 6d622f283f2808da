using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Errors;
using ModelDock.Observability;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;

namespace ModelDock.Server.Tests.Observability;

/// <summary>
/// The <c>ModelDock</c> meter as a real host records it, through a listener on that host's meters only. What
/// <c>/metrics</c> and a real Prometheus make of it is tested against the executable in its own process
/// (ModelDock.Tests), since OpenTelemetry's exporter listens to meters by name across the whole process.
/// </summary>
public sealed partial class ServingMetricsTests
{
    [Fact]
    public async Task Infer_SuccessesAndFailures_CountedByModelVersionProtocolAndOutcome()
    {
        await using var host = await MetricsHost.StartAsync("metrics_outcomes");
        using var recorded = new RecordedMeasurements(host.Host.App.Services);
        using var channel = GrpcChannel.ForAddress(host.Host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await host.InferAsync()).Status);
        }

        for (var i = 0; i < 2; i++)
        {
            await grpc.ModelInferAsync(GrpcRequest(host.Model));
        }

        (await host.InferAsync(width: 5)).AssertError(HttpStatusCode.BadRequest);
        (await host.InferAsync(model: "client_made_up_" + Guid.NewGuid().ToString("N"))).AssertError(HttpStatusCode.NotFound);

        var requests = recorded.Of("modeldock.inference.requests");
        Assert.Equal(3, Count(requests, host.Model, "rest", "success"));
        Assert.Equal(2, Count(requests, host.Model, "grpc", "success"));
        Assert.Equal(1, Count(requests, host.Model, "rest", "invalid_input"));
        Assert.All(requests.Where(m => m["model"] == host.Model), m => Assert.Equal("1", m["version"]));
        var unknown = Assert.Single(requests, m => m["model"] == ServingMetrics.UnknownModel);
        Assert.Equal("not_found", unknown["outcome"]);
        Assert.DoesNotContain(requests, m => m["model"]!.StartsWith("client_made_up_", StringComparison.Ordinal));

        var durations = recorded.Of("modeldock.inference.request.duration").Where(m => m["model"] == host.Model).ToList();
        Assert.Equal(6, durations.Count);
        Assert.All(durations, m => Assert.True(m.Value > 0));
        Assert.Equal(5, recorded.Of("modeldock.inference.queue.duration").Count(m => m["model"] == host.Model));
        var batches = recorded.Of("modeldock.inference.batch.size").Where(m => m["model"] == host.Model).ToList();
        Assert.Equal(5, batches.Sum(m => m.Value));
        Assert.Equal(batches.Count, recorded.Of("modeldock.inference.compute.duration").Count(m => m["model"] == host.Model));
    }

    [Fact]
    public async Task Infer_RefusedBeforeItBecomesARequest_CountedWithTheModelItNamedAndTheReason()
    {
        await using var host = await MetricsHost.StartAsync("metrics_refused");
        using var recorded = new RecordedMeasurements(host.Host.App.Services);
        using var channel = GrpcChannel.ForAddress(host.Host.GrpcAddress);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        (await host.Http.PostJsonAsync($"v2/models/{host.Model}/infer", """{"inputs": [""")).AssertError(HttpStatusCode.BadRequest);
        (await host.Http.PostJsonAsync("v2/models/client_made_up/infer", "not json")).AssertError(HttpStatusCode.BadRequest);
        var badType = GrpcRequest(host.Model);
        badType.Inputs[0].Datatype = "FP77";
        Assert.Equal(global::Grpc.Core.StatusCode.InvalidArgument, (await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(async () => await grpc.ModelInferAsync(badType))).StatusCode);

        var requests = recorded.Of("modeldock.inference.requests");
        Assert.Equal(3, requests.Count);
        Assert.All(requests, m => Assert.Equal("invalid_input", m["outcome"]));
        Assert.Equal(1, Count(requests, host.Model, "rest", "invalid_input"));
        Assert.Equal(1, Count(requests, host.Model, "grpc", "invalid_input"));
        Assert.Equal(1, Count(requests, ServingMetrics.UnknownModel, "rest", "invalid_input"));
        Assert.Empty(recorded.Of("modeldock.inference.request.duration"));
    }

    [Fact]
    public async Task Observe_ServedVersion_ReportsQueueDepthAndInFlight()
    {
        await using var host = await MetricsHost.StartAsync("metrics_gauges");
        using var recorded = new RecordedMeasurements(host.Host.App.Services);

        recorded.Observe();

        var depth = Assert.Single(recorded.Of("modeldock.inference.queue.depth"), m => m["model"] == host.Model);
        Assert.Equal(("1", 0d), (depth["version"], depth.Value));
        var inFlight = Assert.Single(recorded.Of("modeldock.inference.in_flight"), m => m["model"] == host.Model);
        Assert.Equal(0, inFlight.Value);
    }

    [Fact]
    public async Task FeatureLookupAndPush_RecordLatencyEntitiesAndFreshnessPerView()
    {
        await using var host = await MetricsHost.StartAsync("metrics_features", features: true);
        using var recorded = new RecordedMeasurements(host.Host.App.Services);

        await host.PushAndLookUpAsync(DateTimeOffset.UtcNow.AddMinutes(-10));
        recorded.Observe();

        var lookup = Assert.Single(recorded.Of("modeldock.feature.lookup.duration"));
        Assert.Equal("success", lookup["outcome"]);
        Assert.Equal(2, Assert.Single(recorded.Of("modeldock.feature.lookup.entities")).Value);
        var freshness = Assert.Single(recorded.Of("modeldock.feature.freshness"));
        Assert.Equal("driver_stats", freshness["feature_view"]);
        Assert.InRange(freshness.Value, 9 * 60, 60 * 60);
    }

    [Fact]
    public async Task GetMetrics_MetricsDisabled_Returns404AndNothingIsRecorded()
    {
        await using var host = await MetricsHost.StartAsync("metrics_off", new Dictionary<string, string?> { ["ModelDock:Metrics:Enabled"] = "false" });

        var response = await host.Http.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("ModelDock:Otlp:Endpoint", "localhost:4317", "Otlp:Endpoint 'localhost:4317' must be an absolute http or https URL")]
    [InlineData("ModelDock:Otlp:Protocol", "udp", "Otlp:Protocol 'udp' must be 'grpc' or 'http/protobuf'")]
    [InlineData("ModelDock:AzureMonitor:ConnectionString", "secret", "AzureMonitor:ConnectionString must be an Application Insights connection string")]
    public async Task Create_InvalidTelemetrySetting_ThrowsOneMessageNamingIt(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<ModelDockException>(() => MetricsHost.StartAsync("metrics_invalid", new Dictionary<string, string?> { [key] = value }));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("Invalid telemetry options: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_OtlpAndAzureMonitorExporters_StartAndStillServeMetrics()
    {
        await using var host = await MetricsHost.StartAsync("metrics_exporters", new Dictionary<string, string?>
        {
            ["ModelDock:Otlp:Endpoint"] = "http://127.0.0.1:9",
            ["ModelDock:Otlp:Protocol"] = "http/protobuf",
            ["ModelDock:AzureMonitor:ConnectionString"] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/",
        });

        Assert.Equal(HttpStatusCode.OK, (await host.InferAsync()).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task DashboardAndAlerts_EveryModelDockMetricTheyQuery_IsAnInstrumentOfTheMeter()
    {
        await using var host = await MetricsHost.StartAsync("metrics_dashboard", features: true);
        var exported = new HashSet<string>(StringComparer.Ordinal);
        var factory = host.Host.App.Services.GetRequiredService<IMeterFactory>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == ServingMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    exported.UnionWith(PrometheusNames(instrument));
                }
            };
            listener.Start();
        }

        var root = RepositoryRoot();
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "deploy", "grafana", "modeldock-dashboard.json")));
        var queries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .Append(File.ReadAllText(Path.Combine(root, "deploy", "prometheus", "modeldock-alerts.yml")));

        var used = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("modeldock_inference_requests_total", used);
        Assert.Contains("modeldock_feature_freshness_seconds", used);
        Assert.Empty(used.Where(name => !exported.Contains(name)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(ErrorKind.InvalidInput, "invalid_input")]
    [InlineData(ErrorKind.NotFound, "not_found")]
    [InlineData(ErrorKind.QueueFull, "queue_full")]
    [InlineData(ErrorKind.PayloadTooLarge, "payload_too_large")]
    [InlineData(ErrorKind.Internal, "internal")]
    public void OutcomeOf_ErrorKind_IsItsSnakeCaseName(ErrorKind kind, string expected) =>
        Assert.Equal(expected, ServingMetrics.OutcomeOf(kind));

    internal static ModelInferRequest GrpcRequest(string model)
    {
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "input", Datatype = "FP32", Contents = new InferTensorContents() };
        input.Shape.AddRange([1, 4]);
        input.Contents.Fp32Contents.AddRange([0.5f, 0.5f, 0.5f, 0.5f]);
        var request = new ModelInferRequest { ModelName = model };
        request.Inputs.Add(input);
        return request;
    }

    /// <summary>
    /// The names the OpenTelemetry Prometheus exporter gives an instrument (as the real-process scrape test sees them):
    /// dots become underscores, unit <c>s</c> adds <c>_seconds</c>, counters <c>_total</c>, histograms their series.
    /// </summary>
    private static IEnumerable<string> PrometheusNames(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : string.Empty);
        return instrument switch
        {
            Counter<long> => [name + "_total"],
            Histogram<double> or Histogram<int> => [name, name + "_bucket", name + "_sum", name + "_count"],
            _ => [name],
        };
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelDock.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelDock.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>ModelDock's metric names; recording rules (<c>modeldock:...</c>) have a colon and are not matched.</summary>
    [GeneratedRegex("""(?<![a-z_:])modeldock_[a-z_]+""")]
    private static partial Regex MetricName();

    private static int Count(IEnumerable<Measured> requests, string model, string protocol, string outcome) =>
        (int)requests.Where(m => m["model"] == model && m["protocol"] == protocol && m["outcome"] == outcome).Sum(m => m.Value);
}
