using System.Diagnostics;

namespace ModelDock.Observability;

/// <summary>
/// Starts ModelDock's spans with their attributes. Each returns null at the cost of one check when nobody listens or the caller's
/// span was not sampled, and as the caller's child otherwise; dispose the span to end it.
/// </summary>
internal static class Spans
{
    public static Activity? StartInfer(string model)
    {
        if (!ModelDockActivitySource.Recording)
        {
            return null;
        }

        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.InferSpan);
        span?.SetTag(SpanAttributeNames.Model, model);
        return span;
    }

    public static Activity? StartRoute(string endpoint, string deployment, string model, string version)
    {
        if (!ModelDockActivitySource.Recording)
        {
            return null;
        }

        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.RouteSpan);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(SpanAttributeNames.Endpoint, endpoint);
            span.SetTag(SpanAttributeNames.Deployment, deployment);
            span.SetTag(SpanAttributeNames.Model, model);
            span.SetTag(SpanAttributeNames.ModelVersion, version);
        }

        return span;
    }

    /// <param name="source"><c>repository</c> or <c>registry</c>.</param>
    public static Activity? StartLoad(string model, long version, string source)
    {
        if (!ModelDockActivitySource.Recording)
        {
            return null;
        }

        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.LoadSpan);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(SpanAttributeNames.Model, model);
            span.SetTag(SpanAttributeNames.ModelVersion, version);
            span.SetTag(SpanAttributeNames.ModelSource, source);
        }

        return span;
    }

    /// <summary>A request's model inputs assembled from online features: the parent of its feature lookups.</summary>
    public static Activity? StartAssemble(string model)
    {
        if (!ModelDockActivitySource.Recording)
        {
            return null;
        }

        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.AssembleSpan);
        span?.SetTag(SpanAttributeNames.Model, model);
        return span;
    }

    public static Activity? StartFeatures(int entityRows)
    {
        if (!ModelDockActivitySource.Recording)
        {
            return null;
        }

        var span = ModelDockActivitySource.Source.StartActivity(ModelDockActivitySource.FeaturesSpan);
        span?.SetTag(SpanAttributeNames.EntityRows, entityRows);
        return span;
    }
}
