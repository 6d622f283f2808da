using System.Globalization;

namespace ModelDock.Bench.Serving;

/// <summary>
/// What the <c>serving</c> and <c>overload</c> benchmarks share on their command lines: timing, models,
/// load generators, the modeldock program, and the ModelDock scheduler configurations to deploy.
/// </summary>
internal abstract record BenchOptions
{
    public const string SharedUsage =
        """
        [--duration-seconds N] [--warmup-seconds N] [--models S,L] [--markdown FILE]
        [--load-generator h2load,wrk] (default: those on the PATH) [--load-generator-threads N] (1)
        [--modeldock PATH] (default: src/ModelDock/bin/<this build's configuration>)
        [--batching direct,adaptive,fixed] [--max-batch-size N] [--max-queue-delay-us N] [--preferred-batch-size N] [--max-queue-size N]
        [--direct-instances N] [--direct-intra-op N] [--batched-instances N] [--batched-intra-op N]
        [--observability off,metrics,all] (default: the server's own defaults, one process per configuration)
        """;

    public int DurationSeconds { get; init; } = 3;

    public int WarmUpSeconds { get; init; } = 1;

    public IReadOnlyList<string> Models { get; init; } = ["S", "L"];

    /// <summary>Targets to measure; each benchmark has its own set and defaults.</summary>
    public required IReadOnlySet<string> Targets { get; init; }

    public string? MarkdownFile { get; init; }

    /// <summary>External load generators by name; null = every one that is installed.</summary>
    public IReadOnlyList<string>? LoadGenerators { get; init; }

    /// <summary>Threads per load generator: one leaves the second core of a 2-core machine to the server.</summary>
    public int LoadGeneratorThreads { get; init; } = 1;

    /// <summary>The modeldock apphost, assembly or build folder; null = this source tree's build.</summary>
    public string? ModelDockPath { get; init; }

    /// <summary>
    /// ModelDock scheduler configurations to deploy: without batching, with dynamic batching as ModelDock
    /// does it by default (<c>adaptive</c>), and with Triton's fixed delay (<c>fixed</c>, not measured by default).
    /// </summary>
    public IReadOnlyList<string> Batching { get; init; } = ["direct", "adaptive"];

    public int MaxBatchSize { get; init; } = 32;

    /// <summary>Observability levels to deploy each ModelDock configuration with, side by side; empty = the server's defaults.</summary>
    public IReadOnlyList<string> Observability { get; init; } = [];

    /// <summary>Overrides the per-model delay when set.</summary>
    public int? MaxQueueDelayMicroseconds { get; init; }

    /// <summary>
    /// The delay used for a model: short for S, whose runs are so cheap that waiting costs more than
    /// it saves; longer for L, where a fuller batch is worth a millisecond.
    /// </summary>
    public int QueueDelayFor(string model) => MaxQueueDelayMicroseconds ?? (model == "S" ? 500 : 1000);

    /// <summary>Model instances for the configuration without batching; one per core lets requests run side by side.</summary>
    public int DirectInstances { get; init; } = Environment.ProcessorCount;

    /// <summary>ONNX Runtime threads per run without batching; 1 because the instances already use every core.</summary>
    public int DirectIntraOpThreads { get; init; } = 1;

    /// <summary>ONNX Runtime threads per run with batching (0 = every core); null = the model's default, <see cref="BatchedIntraOpFor"/>.</summary>
    public int? BatchedIntraOpThreads { get; init; }

    /// <summary>
    /// One thread for S: a 32-row run takes ~0.1 ms, too short to split across cores without the
    /// hand-off costing more than it saves, and the other core parses the next requests meanwhile.
    /// Every core for L, whose runs are long enough to share.
    /// </summary>
    public int BatchedIntraOpFor(string model) => BatchedIntraOpThreads ?? (model == "S" ? 1 : 0);

    /// <summary>Model instances with batching; one by default, so a forming batch waits for a whole core's worth of rows.</summary>
    public int BatchedInstances { get; init; } = 1;

    /// <summary>The batch size dispatched as soon as it is queued; null = max batch size.</summary>
    public int? PreferredBatchSize { get; init; }

    /// <summary>Requests a batched configuration lets wait before it refuses more with 429; null = ModelDock's default.</summary>
    public int? MaxQueueSize { get; init; }

    /// <summary>
    /// Parses a command line: each option is offered to <paramref name="parseOwn"/> first (null = not
    /// its own), then to the shared ones; the result is checked against <paramref name="knownTargets"/>.
    /// </summary>
    protected static T Parse<T>(IReadOnlyList<string> args, T options, IReadOnlyList<string> knownTargets, Func<T, string, string, T?> parseOwn)
        where T : BenchOptions
    {
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            var value = args[++i];
            options = parseOwn(options, name, value) ?? (T)ParseShared(options, name, value);
        }

        Check("--models", options.Models, ["S", "L"]);
        Check("--targets", options.Targets, knownTargets);
        Check("--batching", options.Batching, ["direct", "adaptive", "fixed"]);
        Check("--observability", options.Observability, Servers.ObservabilityLevel.Known);
        Check("--load-generator", options.LoadGenerators ?? [], Load.LoadGenerators.Known);
        return options;
    }

    protected static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    protected static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name}: '{value}' is not a positive integer.");

    private static BenchOptions ParseShared(BenchOptions options, string name, string value) => name switch
    {
        "--duration-seconds" => options with { DurationSeconds = PositiveInt(name, value) },
        "--warmup-seconds" => options with { WarmUpSeconds = PositiveInt(name, value) },
        "--models" => options with { Models = [.. List(value).Select(v => v.ToUpperInvariant())] },
        "--targets" => options with { Targets = new HashSet<string>(List(value).Select(v => v.ToLowerInvariant())) },
        "--markdown" => options with { MarkdownFile = value },
        "--load-generator" => options with { LoadGenerators = [.. List(value).Select(v => v.ToLowerInvariant())] },
        "--load-generator-threads" => options with { LoadGeneratorThreads = PositiveInt(name, value) },
        "--modeldock" => options with { ModelDockPath = value },
        "--batching" => options with { Batching = [.. List(value).Select(v => v.ToLowerInvariant())] },
        "--max-batch-size" => options with { MaxBatchSize = PositiveInt(name, value) },
        "--max-queue-delay-us" => options with { MaxQueueDelayMicroseconds = PositiveInt(name, value) },
        "--preferred-batch-size" => options with { PreferredBatchSize = PositiveInt(name, value) },
        "--max-queue-size" => options with { MaxQueueSize = PositiveInt(name, value) },
        "--direct-instances" => options with { DirectInstances = PositiveInt(name, value) },
        "--direct-intra-op" => options with { DirectIntraOpThreads = NonNegativeInt(name, value) },
        "--batched-instances" => options with { BatchedInstances = PositiveInt(name, value) },
        "--batched-intra-op" => options with { BatchedIntraOpThreads = NonNegativeInt(name, value) },
        "--observability" => options with { Observability = [.. List(value).Select(v => v.ToLowerInvariant())] },
        _ => throw new ArgumentException($"Unknown option {name}."),
    };

    private static void Check(string option, IEnumerable<string> values, IReadOnlyList<string> known)
    {
        foreach (var value in values)
        {
            if (!known.Contains(value))
            {
                throw new ArgumentException($"{option}: unknown value '{value}'; expected {string.Join(", ", known)}.");
            }
        }
    }

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{name}: '{value}' is not a non-negative integer.");
}
