using System.Diagnostics;
using ModelDock.Observability;

namespace ModelDock.Batching;

/// <summary>
/// The spans a scheduler records for one model version: a queue span per request, from enqueue until its batch
/// runs, as a child of the caller's span; and a batch span per backend execution, linked to every request it served.
/// </summary>
/// <remarks>
/// A request only remembers its caller's span and when it started waiting; its queue span is written once its batch
/// runs, on the batch's thread, so that no span is left open across threads and nothing at all is kept when nobody
/// listens. The batch span is a child of the first request it serves, so a trace shows its execution, and links the
/// others, whose traces it would otherwise be missing from.
/// </remarks>
internal sealed class BatchTracing
{
    /// <summary>For schedulers built without a model name, as in tests of the schedulers alone.</summary>
    public static readonly BatchTracing Unnamed = new(string.Empty, string.Empty);

    private readonly string _model;
    private readonly string _version;

    public BatchTracing(string model, string version)
    {
        _model = model;
        _version = version;
    }

    /// <summary>The caller's span and the time, when someone listens and the caller's span was sampled; the default otherwise.</summary>
    public static QueueEntry Enqueued(TimeProvider time) =>
        ModelDockActivitySource.Source.HasListeners() && Activity.Current is { Recorded: true } caller
            ? new QueueEntry(caller.Context, time.GetUtcNow())
            : default;

    /// <summary>Writes the request's queue span, ending now.</summary>
    public void Dispatched(in QueueEntry entry, TimeProvider time)
    {
        if (entry.IsTraced)
        {
            WriteQueueSpan(entry, time.GetUtcNow());
        }
    }

    /// <summary>Writes the queue spans of the batch's requests and starts its span; null when nobody listens or none of its requests was sampled.</summary>
    public Activity? StartBatch(List<PendingRequest> live, TimeProvider time)
    {
        if (!ModelDockActivitySource.Source.HasListeners())
        {
            return null;
        }

        var now = time.GetUtcNow();
        var rows = 0;
        var traced = 0;
        foreach (var request in live)
        {
            rows += request.Rows;
            if (request.Queued.IsTraced)
            {
                traced++;
            }
        }

        if (traced == 0)
        {
            return null;
        }

        var links = new ActivityLink[traced];
        var parent = default(ActivityContext);
        var l = 0;
        foreach (var request in live)
        {
            if (request.Queued.IsTraced)
            {
                WriteQueueSpan(request.Queued, now);
                links[l++] = new ActivityLink(request.Queued.Caller);
                if (parent == default)
                {
                    parent = request.Queued.Caller;
                }
            }
        }

        return StartBatchSpan(parent, links, rows, live.Count);
    }

    /// <summary>Starts the span of an execution that serves the current caller alone; null when nobody listens or the caller was not sampled.</summary>
    public Activity? StartSingle(int rows) =>
        ModelDockActivitySource.Source.HasListeners() && Activity.Current is { Recorded: true } caller
            ? StartBatchSpan(caller.Context, [new ActivityLink(caller.Context)], rows, 1)
            : null;

    private Activity? StartBatchSpan(ActivityContext parent, ActivityLink[] links, int rows, int requests)
    {
        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.BatchSpan, ActivityKind.Internal, parent, tags: null, links);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(SpanAttributeNames.Model, _model);
            span.SetTag(SpanAttributeNames.ModelVersion, _version);
            span.SetTag(SpanAttributeNames.BatchSize, rows);
            span.SetTag(SpanAttributeNames.BatchRequests, requests);
        }

        return span;
    }

    private void WriteQueueSpan(in QueueEntry entry, DateTimeOffset end)
    {
        using var span = ModelDockActivitySource.Source.StartActivity(
            ModelDockActivitySource.QueueSpan, ActivityKind.Internal, entry.Caller, tags: null, links: null, entry.At);
        if (span is null)
        {
            return;
        }

        if (span.IsAllDataRequested)
        {
            span.SetTag(SpanAttributeNames.Model, _model);
            span.SetTag(SpanAttributeNames.ModelVersion, _version);
        }

        span.SetEndTime(end.UtcDateTime);
    }
}

/// <summary>What a waiting request keeps for its queue span: its caller's span and when it started waiting.</summary>
internal readonly record struct QueueEntry(ActivityContext Caller, DateTimeOffset At)
{
    public bool IsTraced => Caller != default;
}
