using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Materialization;
using ModelDock.Features.Online;

namespace ModelDock.Observability;

/// <summary>
/// The <c>ModelDock</c> meter's feature store instruments: online lookup latency and entities per lookup, and each
/// online view's freshness, the age of the newest data the online store was given for it.
/// </summary>
/// <remarks>
/// The online stores keep no cheap "newest row" per view, so freshness is taken from what wrote the rows: the
/// materialization watermark (the end of the last completed run, which the CLI records in the data folder and any
/// process can read) and the newest event timestamp pushed through this process. A view that has neither is not
/// reported rather than reported as infinitely old.
/// </remarks>
internal sealed class FeatureMetrics
{
    /// <summary>Watermarks are re-read at most this often, however often the metrics are collected.</summary>
    private static readonly TimeSpan WatermarkRefresh = TimeSpan.FromSeconds(10);

    private readonly Func<FeatureRepository> _repository;
    private readonly MaterializationWatermarks _watermarks;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _lookupDuration;
    private readonly Histogram<int> _lookupEntities;
    private readonly ConcurrentDictionary<string, long> _pushedTicks = new(StringComparer.Ordinal);
    private readonly Lock _watermarkLock = new();
    private Dictionary<string, long> _watermarkTicks = [];
    private long _watermarksReadAt = long.MinValue;

    /// <param name="repository">The definitions served now: a server that picks up a new apply reports its views from then on.</param>
    public FeatureMetrics(IMeterFactory meterFactory, Func<FeatureRepository> repository, string dataDir, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _repository = repository;
        _watermarks = new MaterializationWatermarks(dataDir);
        _time = time;
        var meter = meterFactory.Create(ServingMetrics.MeterName);
        _lookupDuration = meter.CreateHistogram<double>(
            "modeldock.feature.lookup.duration", "s", "Time of one online feature lookup, from request to values.", advice: new() { HistogramBucketBoundaries = ServingMetrics.SecondsBuckets });
        _lookupEntities = meter.CreateHistogram<int>(
            "modeldock.feature.lookup.entities", "{entity}", "Entity rows in one online feature lookup.", advice: new() { HistogramBucketBoundaries = ServingMetrics.PowersOfTwo });
        meter.CreateObservableGauge(
            "modeldock.feature.freshness", ObserveFreshness, "s", "Age of the newest data written to an online feature view: its materialization watermark or newest pushed event.");
    }

    public void RecordLookup(int entities, ErrorKind? error, TimeSpan elapsed)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", error is { } kind ? ServingMetrics.OutcomeOf(kind) : ServingMetrics.Success);
        _lookupDuration.Record(elapsed.TotalSeconds, outcome);
        if (error is null)
        {
            _lookupEntities.Record(entities);
        }
    }

    /// <summary>Rows pushed to an online view; the newest event among them may make the view fresher.</summary>
    public void RecordPushed(string view, IReadOnlyList<OnlineWriteRow> rows)
    {
        var newest = long.MinValue;
        for (var i = 0; i < rows.Count; i++)
        {
            newest = Math.Max(newest, rows[i].EventTimestamp.UtcTicks);
        }

        if (newest != long.MinValue)
        {
            _pushedTicks.AddOrUpdate(view, static (_, pushed) => pushed, static (_, old, pushed) => Math.Max(old, pushed), newest);
        }
    }

    private IEnumerable<Measurement<double>> ObserveFreshness()
    {
        var watermarks = Watermarks();
        var now = _time.GetUtcNow().UtcTicks;
        var measurements = new List<Measurement<double>>();
        foreach (var view in _repository().FeatureViews)
        {
            if (!view.Online)
            {
                continue;
            }

            var newest = Math.Max(watermarks.GetValueOrDefault(view.Name, long.MinValue), _pushedTicks.GetValueOrDefault(view.Name, long.MinValue));
            if (newest != long.MinValue)
            {
                measurements.Add(new(Math.Max(0, TimeSpan.FromTicks(now - newest).TotalSeconds), new KeyValuePair<string, object?>("feature_view", view.Name)));
            }
        }

        return measurements;
    }

    private Dictionary<string, long> Watermarks()
    {
        lock (_watermarkLock)
        {
            var now = _time.GetTimestamp();
            if (_watermarksReadAt != long.MinValue && _time.GetElapsedTime(_watermarksReadAt, now) < WatermarkRefresh)
            {
                return _watermarkTicks;
            }

            var read = new Dictionary<string, long>(StringComparer.Ordinal);
            try
            {
                foreach (var view in _repository().FeatureViews)
                {
                    if (view.Online && _watermarks.Get(view.Name) is { } end)
                    {
                        read[view.Name] = end.UtcTicks;
                    }
                }
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                // A busy or unreadable data folder must not fail a scrape; the last values read stand until the next try.
                return _watermarkTicks;
            }

            _watermarkTicks = read;
            _watermarksReadAt = now;
            return read;
        }
    }
}
