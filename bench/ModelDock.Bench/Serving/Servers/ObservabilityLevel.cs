namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// How much of ModelDock's observability a deployed server runs with, so its cost is measured against the same
/// server without it: <c>off</c> (no metrics), <c>metrics</c> (the default: the meter and the Prometheus exporter),
/// <c>all</c> (metrics, 1 % of traces sampled and exported over OTLP, as production tracing samples, and 1 % of
/// requests in the payload log) and <c>all-traced</c> (the same with every request traced).
/// </summary>
internal sealed record ObservabilityLevel(string Name, string Description, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string>? Environment = null)
{
    public static readonly IReadOnlyList<string> Known = ["off", "metrics", "all", "all-traced"];

    /// <summary>The server as <c>serve</c> starts it, with nothing added to its configuration's description.</summary>
    public static readonly ObservabilityLevel Default = new("default", string.Empty, []);

    public static ObservabilityLevel For(string name, string model) => name switch
    {
        "off" => new(name, ", metrics off", ["--metrics", "false"]),
        "metrics" => new(name, ", metrics on", ["--metrics", "true"]),

        "all" => new(name, ", metrics + 1 % traces + 1 % payload log", Everything(model), Sampled("0.01")),
        "all-traced" => new(name, ", metrics + all traces + 1 % payload log", Everything(model), Sampled("1")),
        _ => throw new ArgumentException($"--observability: '{name}' is not one of {string.Join(", ", Known)}."),
    };

    // Nothing listens on the discard port: the exporter batches, tries and drops, as against a collector that is down,
    // which costs the server at least what a live collector would.
    private static string[] Everything(string model) =>
        ["--metrics", "true", "--otlp-endpoint", "http://127.0.0.1:9", "--payload-log", model + "=1"];

    /// <summary>OpenTelemetry's standard sampler variables: a new trace is kept with this probability, a caller's decision is followed.</summary>
    private static Dictionary<string, string> Sampled(string ratio) => new()
    {
        ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio",
        ["OTEL_TRACES_SAMPLER_ARG"] = ratio,
    };
}
