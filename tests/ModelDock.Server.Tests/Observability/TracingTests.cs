using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Online;
using ModelDock.Observability;
using ModelDock.Onnx;
using ModelDock.Server.Features;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Observability.Otlp;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using Xunit;
using Status = ModelDock.Server.Tests.Observability.Otlp.Status;

namespace ModelDock.Server.Tests.Observability;

/// <summary>Tests that observe every ASP.NET Core request and ModelDock span in the process run on their own.</summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>
/// A real host with the OTLP exporter pointed at an in-test receiver: spans continue the caller's W3C trace over REST
/// and gRPC, batches link the requests they served, and model loads and feature lookups have spans of their own.
/// </summary>
[Collection(nameof(TracingCollection))]
public sealed class TracingTests : IAsyncLifetime
{
    private const string Mlp = "mlp";
    private const string Batched = "batched";
    private const int BatchCallers = 4; // the batched model's preferred batch size
    private static readonly float[] Row = new float[8];

    private readonly TestModelRepository _repository = new();
    private readonly TempFolder _folder = new();
    private OtlpTraceReceiver _receiver = null!;
    private SqliteOnlineStore _store = null!;
    private ModelDockHost _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var mlp = DemoModels.Mlp([8, 16, 3], seed: 7).Onnx;
        _repository.AddVersion(Mlp, 1, mlp);
        _repository.WriteConfig(Mlp, """{"max_batch_size": 4}""");

        // A batch goes out once the preferred size is reached, long before the delay: concurrent callers share it.
        _repository.AddVersion(Batched, 1, mlp);
        _repository.WriteConfig(Batched, """
            {"max_batch_size": 8, "dynamic_batching": {"batching_policy": "fixed_delay",
             "max_queue_delay_microseconds": 5000000, "preferred_batch_size": [4]}}
            """);
        _receiver = OtlpTraceReceiver.Start();
        _store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        _host = ModelDockHost.Create(
            options =>
            {
                options.HttpPort = 0;
                options.GrpcPort = 0;
            },
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Services.AddModelDock().AddModelRepository(repository => repository.RepositoryPath = _repository.Path);
                builder.Services.AddFeatureServing(DriverFeatureRepository.Create(_folder.Path), _store, _folder.Path);
                builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddOtlpExporter(otlp =>
                {
                    otlp.Endpoint = _receiver.TracesEndpoint;
                    otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                    otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = 100;
                }));
            },
            app => app.MapFeatureRoutes());
        await _host.StartAsync();
        _http = new HttpClient { BaseAddress = _host.HttpAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        await _receiver.DisposeAsync();
        _repository.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task RestInfer_WithTraceparent_SpansJoinTheCallersTrace()
    {
        var (traceId, callerSpan, traceparent) = NewCaller();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Mlp}/infer") { Content = JsonContent.Create(InferBody()) };
        request.Headers.Add("traceparent", traceparent);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await _receiver.WaitForAsync(s => HasServerSpan(s, traceId));
        AssertRequestTree(spans.Where(s => s.TraceId == traceId).ToList(), callerSpan);
    }

    [Fact]
    public async Task GrpcModelInfer_WithTraceparentMetadata_SpansJoinTheCallersTrace()
    {
        var (traceId, callerSpan, traceparent) = NewCaller();
        using var channel = GrpcChannel.ForAddress(_host.GrpcAddress);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);

        await client.ModelInferAsync(GrpcRequest(), new Metadata { { "traceparent", traceparent } });

        var spans = await _receiver.WaitForAsync(s => HasServerSpan(s, traceId));
        AssertRequestTree(spans.Where(s => s.TraceId == traceId).ToList(), callerSpan);
    }

    [Fact]
    public async Task ConcurrentInfers_SharingABatch_BatchSpanLinksEveryRequestItServed()
    {
        var callers = Enumerable.Range(0, BatchCallers).Select(_ => NewCaller()).ToList();

        var answers = await Task.WhenAll(callers.Select(async caller =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Batched}/infer") { Content = JsonContent.Create(InferBody()) };
            request.Headers.Add("traceparent", caller.Traceparent);
            using var response = await _http.SendAsync(request);
            return response.StatusCode;
        }));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
        var traces = callers.Select(c => c.TraceId).ToHashSet();
        var spans = await _receiver.WaitForAsync(s =>
            traces.All(t => HasServerSpan(s, t))
            && s.Any(x => x.Name == ModelDockActivitySource.BatchSpan && x.Links.Any(l => traces.Contains(l.TraceId))));
        var inferSpans = spans.Where(s => s.Name == ModelDockActivitySource.InferSpan && traces.Contains(s.TraceId)).ToDictionary(s => s.SpanId);
        var batches = spans.Where(s => s.Name == ModelDockActivitySource.BatchSpan && s.Links.Any(l => traces.Contains(l.TraceId))).ToList();

        // Every request was served by exactly one batch, which links its inference span; at least one batch served several.
        Assert.Equal(BatchCallers, inferSpans.Count);
        var linked = batches.SelectMany(b => b.Links).Where(l => traces.Contains(l.TraceId)).ToList();
        Assert.Equal(inferSpans.Keys.Order(), linked.Select(l => l.SpanId).Order());
        Assert.Contains(batches, b => b.Links.Count > 1);
        foreach (var batch in batches)
        {
            Assert.Equal(Batched, batch[SpanAttributeNames.Model]);
            Assert.Equal("1", batch[SpanAttributeNames.ModelVersion]);
            Assert.Equal((long)batch.Links.Count, batch[SpanAttributeNames.BatchSize]);

            // The batch belongs to the trace of the first request it served.
            Assert.Contains(batch.Links, l => l.TraceId == batch.TraceId && l.SpanId == batch.ParentSpanId);
        }

        foreach (var queue in spans.Where(s => s.Name == ModelDockActivitySource.QueueSpan && traces.Contains(s.TraceId)))
        {
            Assert.True(inferSpans.ContainsKey(queue.ParentSpanId), "a queue span is a child of its request's inference span");
        }
    }

    [Fact]
    public async Task Start_LoadsModels_EachVersionHasALoadSpan()
    {
        var spans = await _receiver.WaitForAsync(s => s.Count(x => x.Name == ModelDockActivitySource.LoadSpan) >= 2);

        var load = Assert.Single(spans, s => s.Name == ModelDockActivitySource.LoadSpan && Mlp.Equals(s[SpanAttributeNames.Model]));
        Assert.Equal(ModelDockActivitySource.Name, load.Scope);
        Assert.Equal(1L, load[SpanAttributeNames.ModelVersion]);
        Assert.Equal("repository", load[SpanAttributeNames.ModelSource]);
        Assert.Equal(Status.Types.StatusCode.Unset, load.Status);
    }

    [Fact]
    public async Task GetOnlineFeatures_WithTraceparent_HasAFeatureLookupSpan()
    {
        var (traceId, callerSpan, traceparent) = NewCaller();
        using var request = new HttpRequestMessage(HttpMethod.Post, "get-online-features")
        {
            Content = new StringContent("""{"features": ["driver_stats:conv_rate", "driver_profile:name"], "entities": {"driver_id": [1001, 1002]}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", traceparent);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var spans = await _receiver.WaitForAsync(s => HasServerSpan(s, traceId));
        var server = Assert.Single(spans, s => s.TraceId == traceId && s.Kind == Span.Types.SpanKind.Server);
        Assert.Equal(callerSpan, server.ParentSpanId);
        var lookup = Assert.Single(spans, s => s.TraceId == traceId && s.Name == ModelDockActivitySource.FeaturesSpan);
        Assert.Equal(server.SpanId, lookup.ParentSpanId);
        Assert.Equal(2L, lookup[SpanAttributeNames.EntityRows]);
        Assert.Equal(new object?[] { "driver_stats", "driver_profile" }, (object?[])lookup[SpanAttributeNames.FeatureViews]!);
    }

    [Fact]
    public async Task RestInfer_UnknownModel_IsTaggedWithTheErrorKindButNotAServerError()
    {
        var (traceId, _, traceparent) = NewCaller();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/models/ghost/infer") { Content = JsonContent.Create(InferBody()) };
        request.Headers.Add("traceparent", traceparent);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var spans = await _receiver.WaitForAsync(s => HasServerSpan(s, traceId));
        var infer = Assert.Single(spans, s => s.TraceId == traceId && s.Name == ModelDockActivitySource.InferSpan);
        Assert.Equal("NotFound", infer[SpanAttributeNames.ErrorType]);
        Assert.Equal(Status.Types.StatusCode.Unset, infer.Status);
        var server = Assert.Single(spans, s => s.TraceId == traceId && s.Kind == Span.Types.SpanKind.Server);
        Assert.Equal(Status.Types.StatusCode.Unset, server.Status);
    }

    [Fact]
    public async Task RestInfer_CallerNotSampled_NoSpanIsRecordedForItsTrace()
    {
        var (unsampled, _, traceparent) = NewCaller();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Mlp}/infer") { Content = JsonContent.Create(InferBody()) };
        request.Headers.Add("traceparent", traceparent[..^2] + "00");
        var (sampled, _, sampledParent) = NewCaller();
        using var after = new HttpRequestMessage(HttpMethod.Post, $"v2/models/{Mlp}/infer") { Content = JsonContent.Create(InferBody()) };
        after.Headers.Add("traceparent", sampledParent);

        using var response = await _http.SendAsync(request);
        using var afterResponse = await _http.SendAsync(after);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterResponse.StatusCode);
        var spans = await _receiver.WaitForAsync(s => HasServerSpan(s, sampled));
        Assert.DoesNotContain(spans, s => s.TraceId == unsampled);
    }

    /// <summary>The server span ends last: once it has arrived, the spans inside it have been exported too.</summary>
    private static bool HasServerSpan(IReadOnlyList<ReceivedSpan> spans, string traceId) =>
        spans.Any(s => s.TraceId == traceId && s.Kind == Span.Types.SpanKind.Server);

    /// <summary>Server span under the caller's, inference span under it, and the batch that ran it in the same trace.</summary>
    private static void AssertRequestTree(List<ReceivedSpan> trace, string callerSpan)
    {
        var server = Assert.Single(trace, s => s.Kind == Span.Types.SpanKind.Server);
        Assert.Equal(callerSpan, server.ParentSpanId);
        var infer = Assert.Single(trace, s => s.Name == ModelDockActivitySource.InferSpan);
        Assert.Equal(ModelDockActivitySource.Name, infer.Scope);
        Assert.Equal(server.SpanId, infer.ParentSpanId);
        Assert.Equal(Mlp, infer[SpanAttributeNames.Model]);
        Assert.Equal("1", infer[SpanAttributeNames.ModelVersion]);
        var batch = Assert.Single(trace, s => s.Name == ModelDockActivitySource.BatchSpan);
        Assert.Equal(infer.SpanId, batch.ParentSpanId);
        Assert.Contains((infer.TraceId, infer.SpanId), batch.Links);
        Assert.Equal(1L, batch[SpanAttributeNames.BatchSize]);
    }

    private static (string TraceId, string SpanId, string Traceparent) NewCaller()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        return (traceId, spanId, $"00-{traceId}-{spanId}-01");
    }

    private static object InferBody() => new { inputs = new[] { new { name = DemoModels.MlpInput, shape = new[] { 1, Row.Length }, datatype = "FP32", data = Row } } };

    private static ModelInferRequest GrpcRequest()
    {
        var request = new ModelInferRequest { ModelName = Mlp };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = DemoModels.MlpInput, Datatype = "FP32", Shape = { 1, Row.Length } };
        tensor.Contents = new InferTensorContents();
        tensor.Contents.Fp32Contents.AddRange(Row);
        request.Inputs.Add(tensor);
        return request;
    }
}
