namespace ModelDock.Observability;

/// <summary>Attribute names on ModelDock's spans: OpenTelemetry's where one exists, <c>modeldock.*</c> otherwise.</summary>
public static class SpanAttributeNames
{
    /// <summary>The model a request named (an endpoint's name for a routed request).</summary>
    public const string Model = "modeldock.model";

    /// <summary>The model version that served or was loaded.</summary>
    public const string ModelVersion = "modeldock.model.version";

    /// <summary>The endpoint a routed request was sent to.</summary>
    public const string Endpoint = "modeldock.endpoint";

    /// <summary>The endpoint's deployment the request was routed to.</summary>
    public const string Deployment = "modeldock.deployment";

    /// <summary>Rows a backend execution ran, summed over the requests it served.</summary>
    public const string BatchSize = "modeldock.batch.size";

    /// <summary>Requests a backend execution served (one link to each).</summary>
    public const string BatchRequests = "modeldock.batch.requests";

    /// <summary>Where a model version was loaded from: <c>repository</c> or <c>registry</c>.</summary>
    public const string ModelSource = "modeldock.model.source";

    /// <summary>Feature views a lookup read.</summary>
    public const string FeatureViews = "modeldock.feature_views";

    /// <summary>Entity rows a lookup read.</summary>
    public const string EntityRows = "modeldock.entity_rows";

    /// <summary>OpenTelemetry's <c>error.type</c>: the <see cref="Errors.ErrorKind"/>, or the exception's type for an unclassified fault.</summary>
    public const string ErrorType = "error.type";
}
