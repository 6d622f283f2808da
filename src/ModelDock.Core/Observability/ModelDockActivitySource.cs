using System.Diagnostics;

namespace ModelDock.Observability;

/// <summary>
/// The one <see cref="ActivitySource"/> ModelDock traces with, and the names of the spans it starts. Nothing is
/// recorded unless a tracer provider listens to <see cref="Name"/>; every span is started behind
/// <see cref="Recording"/>, so serving without tracing, or a request the sampler left out, pays one check per span site.
/// </summary>
public static class ModelDockActivitySource
{
    /// <summary>Name to subscribe to, e.g. <c>tracing.AddSource(ModelDockActivitySource.Name)</c>.</summary>
    public const string Name = "ModelDock";

    /// <summary>An inference in the data plane, from resolving the model version to its outputs.</summary>
    public const string InferSpan = "modeldock.infer";

    /// <summary>An endpoint's request routed to the deployment its traffic split picked.</summary>
    public const string RouteSpan = "modeldock.route";

    /// <summary>A request's wait in its model's queue, from enqueue until its batch runs.</summary>
    public const string QueueSpan = "modeldock.queue";

    /// <summary>One execution on the backend, linked to every request it served.</summary>
    public const string BatchSpan = "modeldock.batch";

    /// <summary>A model version loaded and warmed from a repository folder or the registry.</summary>
    public const string LoadSpan = "modeldock.model.load";

    /// <summary>A model's inputs assembled from online features by entity key, inside an inference.</summary>
    public const string AssembleSpan = "modeldock.features.assemble";

    /// <summary>An online feature lookup.</summary>
    public const string FeaturesSpan = "modeldock.features.get";

    /// <summary>
    /// Whether a span started now would be recorded: someone listens, and the caller's span, if there is one, was
    /// sampled. Under parent-based sampling (OpenTelemetry's default) the child of an unsampled span is dropped
    /// anyway; deciding it here saves creating it and its tags on every request that a sampler left out.
    /// </summary>
    internal static bool Recording => Source.HasListeners() && Activity.Current is not { Recorded: false };

    internal static readonly ActivitySource Source = new(Name, typeof(ModelDockActivitySource).Assembly.GetName().Version?.ToString());
}
