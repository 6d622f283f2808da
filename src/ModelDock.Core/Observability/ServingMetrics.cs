using System.Diagnostics;
using System.Diagnostics.Metrics;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Serving;

namespace ModelDock.Observability;

/// <summary>
/// The <c>ModelDock</c> meter's serving instruments: requests and their duration, queue wait, compute time and batch
/// size per model version, queue depth and requests in flight, model loads. Names and units follow OpenTelemetry;
/// the Prometheus exporter turns <c>modeldock.inference.request.duration</c> (unit <c>s</c>) into
/// <c>modeldock_inference_request_duration_seconds</c>. Nothing is recorded while no listener is attached, so a
/// server without a metrics pipeline pays one flag check per request.
/// </summary>
/// <remarks>
/// Every label value comes from the server's own tables (model names it serves, versions it loaded, endpoint and
/// deployment names it routes to) or from a fixed set (protocol, outcome); a name a client made up is labelled
/// <see cref="UnknownModel"/>, so clients cannot grow the number of series.
/// </remarks>
internal sealed class ServingMetrics
{
    public const string MeterName = "ModelDock";

    /// <summary>The model label of requests for a model the server does not know.</summary>
    public const string UnknownModel = "unknown";

    public const string Success = "success";

    /// <summary>
    /// OpenTelemetry's advised buckets for HTTP server durations, extended down to 100 µs: a model call that batches
    /// well takes well under the 5 ms where those start, and queue waits are shorter still.
    /// </summary>
    internal static readonly double[] SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Model loads read, compile and warm up a file: seconds to minutes.</summary>
    internal static readonly double[] LoadSecondsBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    internal static readonly int[] PowersOfTwo = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

    private static readonly string[] Outcomes = BuildOutcomes();
    private static readonly string[] Protocols = ["in_process", "rest", "grpc", "mirror"];

    private readonly ServingTable _table;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _loadDuration;
    private readonly Counter<long> _loadFailures;

    public ServingMetrics(IMeterFactory meterFactory, ServingTable table)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _table = table;
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>(
            "modeldock.inference.requests", "{request}", "Inference requests that reached the data plane, by model, version, protocol, outcome and endpoint deployment.");
        _requestDuration = meter.CreateHistogram<double>(
            "modeldock.inference.request.duration", "s", "Time from resolving a request's model version to its answer or error.", advice: new() { HistogramBucketBoundaries = SecondsBuckets });
        _queueDuration = meter.CreateHistogram<double>(
            "modeldock.inference.queue.duration", "s", "Time a successful request waited in its model's scheduler queue before its batch ran.", advice: new() { HistogramBucketBoundaries = SecondsBuckets });
        _computeDuration = meter.CreateHistogram<double>(
            "modeldock.inference.compute.duration", "s", "Time of one model execution (one batch) in the backend.", advice: new() { HistogramBucketBoundaries = SecondsBuckets });
        _batchSize = meter.CreateHistogram<int>(
            "modeldock.inference.batch.size", "{row}", "Rows in one model execution; sum is Triton's inference count, count its execution count.", advice: new() { HistogramBucketBoundaries = PowersOfTwo });
        _loadDuration = meter.CreateHistogram<double>(
            "modeldock.model.load.duration", "s", "Time to load and warm up a model version, failed loads included.", advice: new() { HistogramBucketBoundaries = LoadSecondsBuckets });
        _loadFailures = meter.CreateCounter<long>("modeldock.model.load.failures", "{load}", "Model version loads that failed.");
        meter.CreateObservableGauge("modeldock.inference.queue.depth", ObserveQueueDepth, "{request}", "Requests waiting in a model version's scheduler queue.");
        meter.CreateObservableGauge("modeldock.inference.in_flight", ObserveInFlight, "{request}", "Requests running on a model version, queued ones included.");
    }

    /// <summary>The label value of a failure of this kind: the kind in snake case, e.g. <c>queue_full</c>.</summary>
    public static string OutcomeOf(ErrorKind kind) => (uint)kind < (uint)Outcomes.Length ? Outcomes[(int)kind] : "internal";

    /// <summary>Instruments bound to one model version's labels; what its statistics collector records into.</summary>
    public VersionMetrics ForVersion(string model, string version) => new(this, model, version);

    /// <summary>One request that resolved to <paramref name="model"/> (a served name) and <paramref name="version"/>.</summary>
    public void RecordRequest(InferenceRequest request, string model, string? version, string outcome, TimeSpan elapsed)
    {
        if (!_requests.Enabled && !_requestDuration.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "model", model },
            { "protocol", Protocols[(int)request.Protocol] },
            { "outcome", outcome },
        };
        if (version is not null)
        {
            tags.Add("version", version);
        }

        if (request.Endpoint is { } endpoint)
        {
            tags.Add("endpoint", endpoint);
            tags.Add("deployment", request.EndpointDeployment);
        }

        _requests.Add(1, tags);
        _requestDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>A request refused before it reached a model version: unknown or unloaded model or version, an endpoint without a deployment.</summary>
    /// <remarks>Only counted: a refusal takes no time worth a latency sample, and zeros would pull the quantiles down.</remarks>
    /// <param name="endpoint">The endpoint that refused it, when the refusal came before the request was routed.</param>
    public void RecordRejected(InferenceRequest request, string model, ErrorKind kind, string? endpoint = null) =>
        Count(request.Protocol, model, kind, endpoint ?? request.Endpoint);

    /// <summary>
    /// A request refused before it became an inference request: its body did not arrive, decode or parse, or
    /// admission or the request memory budget turned it away unread. <paramref name="model"/> is the name its route
    /// or message carried, if any; it is the label only when the server serves a model of that name.
    /// </summary>
    public void RecordRefused(InferenceProtocol protocol, string? model, ErrorKind kind) =>
        Count(protocol, model is not null && _table.Current(model) is not null ? model : UnknownModel, kind, endpoint: null);

    private void Count(InferenceProtocol protocol, string model, ErrorKind kind, string? endpoint)
    {
        if (!_requests.Enabled)
        {
            return;
        }

        var tags = new TagList { { "model", model }, { "protocol", Protocols[(int)protocol] }, { "outcome", OutcomeOf(kind) } };
        if (endpoint is not null)
        {
            tags.Add("endpoint", endpoint);
        }

        _requests.Add(1, tags);
    }

    /// <summary>The model label for a request the table refused: its name when the server knows it, else <see cref="UnknownModel"/>.</summary>
    public string LabelFor(string model, ErrorKind kind) =>
        kind != ErrorKind.NotFound || _table.Current(model) is not null ? model : UnknownModel;

    public void RecordLoad(string model, string source, TimeSpan elapsed, bool failed)
    {
        var tags = new TagList { { "model", model }, { "source", source }, { "outcome", failed ? "failure" : Success } };
        _loadDuration.Record(elapsed.TotalSeconds, tags);
        if (failed)
        {
            _loadFailures.Add(1, new TagList { { "model", model }, { "source", source } });
        }
    }

    internal void RecordQueue(in KeyValuePair<string, object?> model, in KeyValuePair<string, object?> version, long queueNanoseconds)
    {
        if (_queueDuration.Enabled)
        {
            _queueDuration.Record(queueNanoseconds / 1e9, model, version);
        }
    }

    internal void RecordExecution(in KeyValuePair<string, object?> model, in KeyValuePair<string, object?> version, int batchSize, long computeNanoseconds)
    {
        if (_computeDuration.Enabled)
        {
            _computeDuration.Record(computeNanoseconds / 1e9, model, version);
        }

        if (_batchSize.Enabled)
        {
            _batchSize.Record(batchSize, model, version);
        }
    }

    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        foreach (var version in ServingVersions())
        {
            yield return new(version.Scheduler.QueueDepth, new("model", version.Model), new("version", version.VersionText));
        }
    }

    private IEnumerable<Measurement<int>> ObserveInFlight()
    {
        foreach (var version in ServingVersions())
        {
            yield return new(version.InFlight, new("model", version.Model), new("version", version.VersionText));
        }
    }

    private IEnumerable<ServingVersion> ServingVersions()
    {
        foreach (var entry in _table.Models.Values)
        {
            foreach (var version in entry.Serving.Values)
            {
                yield return version;
            }
        }
    }

    private static string[] BuildOutcomes()
    {
        var kinds = Enum.GetValues<ErrorKind>();
        var names = new string[kinds.Length];
        foreach (var kind in kinds)
        {
            names[(int)kind] = System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
        }

        return names;
    }
}

/// <summary>One model version's labels, built once, so recording from the scheduler allocates nothing.</summary>
internal sealed class VersionMetrics(ServingMetrics metrics, string model, string version)
{
    private readonly KeyValuePair<string, object?> _model = new("model", model);
    private readonly KeyValuePair<string, object?> _version = new("version", version);

    public void RecordQueue(long queueNanoseconds) => metrics.RecordQueue(_model, _version, queueNanoseconds);

    public void RecordExecution(int batchSize, long computeNanoseconds) => metrics.RecordExecution(_model, _version, batchSize, computeNanoseconds);
}
