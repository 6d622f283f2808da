using System.Diagnostics;

namespace ModelDock.Observability;

/// <summary>
/// One model version's load as traces and metrics both see it: a span from the start, and the load duration and outcome
/// recorded when it ends, so every model source reports loads the same way.
/// </summary>
internal sealed class ModelLoadObservation : IDisposable
{
    private readonly ServingMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly string _model;
    private readonly string _source;
    private readonly long _start;
    private readonly Activity? _span;
    private bool _succeeded;

    private ModelLoadObservation(ServingMetrics? metrics, TimeProvider time, string model, long version, string source)
    {
        (_metrics, _time, _model, _source) = (metrics, time, model, source);
        _span = Spans.StartLoad(model, version, source);
        _start = time.GetTimestamp();
    }

    /// <param name="source"><c>repository</c> or <c>registry</c>: the span attribute and the metric label.</param>
    public static ModelLoadObservation Start(ServingMetrics? metrics, TimeProvider time, string model, long version, string source) =>
        new(metrics, time, model, version, source);

    public T Succeeded<T>(T loaded)
    {
        _succeeded = true;
        return loaded;
    }

    public void Failed(Exception error) => SpanFailure.Record(_span, error);

    public void Dispose()
    {
        _metrics?.RecordLoad(_model, _source, _time.GetElapsedTime(_start), failed: !_succeeded);
        _span?.Dispose();
    }
}
