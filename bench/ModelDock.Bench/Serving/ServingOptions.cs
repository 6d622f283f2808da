using System.Globalization;

namespace ModelDock.Bench.Serving;

/// <summary>The <c>serving</c> benchmark's command line, with the defaults the published table uses.</summary>
internal sealed record ServingOptions
{
    public const string Usage =
        """
        serving [--duration-seconds N] [--warmup-seconds N] [--rounds N]
                [--concurrency 1,16,64] [--models S,L] [--targets raw,bare,bare-grpc,naive,inprocess,json,binary,grpc]
                [--batching direct,batched,idle] [--max-batch-size N] [--max-queue-delay-us N]
                [--direct-instances N] [--direct-intra-op N] [--batched-intra-op N] [--batched-instances N] [--preferred-batch-size N] [--markdown FILE]
                [--load-generator h2load|internal]  (default: h2load when it is on the PATH)
        """;

    public int DurationSeconds { get; init; } = 3;

    public int WarmUpSeconds { get; init; } = 1;

    /// <summary>Interleaved repetitions of every point; the table shows the median.</summary>
    public int Rounds { get; init; } = 3;

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64];

    public IReadOnlyList<string> Models { get; init; } = ["S", "L"];

    public IReadOnlySet<string> Targets { get; init; } = new HashSet<string>(["raw", "bare", "bare-grpc", "naive", "inprocess", "json", "binary", "grpc"]);

    /// <summary>
    /// ModelDock scheduler configurations to measure: without batching, with dynamic batching, and with
    /// dynamic batching that dispatches as soon as the instance is idle (<c>idle</c>, not measured by default).
    /// </summary>
    public IReadOnlyList<string> Batching { get; init; } = ["direct", "batched"];

    public int MaxBatchSize { get; init; } = 32;

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

    public string? MarkdownFile { get; init; }

    /// <summary>
    /// <c>h2load</c> or <c>internal</c> (the in-process .NET clients); null picks h2load when it is
    /// installed, because the .NET clients cost the shared cores more than the server under test.
    /// </summary>
    public string? LoadGenerator { get; init; }

    public static ServingOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServingOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--duration-seconds" => options with { DurationSeconds = PositiveInt(name, value) },
                "--rounds" => options with { Rounds = PositiveInt(name, value) },
                "--warmup-seconds" => options with { WarmUpSeconds = PositiveInt(name, value) },
                "--concurrency" => options with { Concurrency = [.. List(value).Select(v => PositiveInt(name, v))] },
                "--models" => options with { Models = [.. List(value).Select(v => v.ToUpperInvariant())] },
                "--targets" => options with { Targets = new HashSet<string>(List(value).Select(v => v.ToLowerInvariant())) },
                "--batching" => options with { Batching = [.. List(value).Select(v => v.ToLowerInvariant())] },
                "--max-batch-size" => options with { MaxBatchSize = PositiveInt(name, value) },
                "--direct-intra-op" => options with { DirectIntraOpThreads = NonNegativeInt(name, value) },
                "--batched-intra-op" => options with { BatchedIntraOpThreads = NonNegativeInt(name, value) },
                "--batched-instances" => options with { BatchedInstances = PositiveInt(name, value) },
                "--preferred-batch-size" => options with { PreferredBatchSize = PositiveInt(name, value) },
                "--direct-instances" => options with { DirectInstances = PositiveInt(name, value) },
                "--max-queue-delay-us" => options with { MaxQueueDelayMicroseconds = PositiveInt(name, value) },
                "--markdown" => options with { MarkdownFile = value },
                "--load-generator" => options with { LoadGenerator = value.ToLowerInvariant() },
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
        }

        foreach (var model in options.Models)
        {
            if (model is not ("S" or "L"))
            {
                throw new ArgumentException($"--models: unknown model '{model}'; expected S and/or L.");
            }
        }

        if (options.LoadGenerator is not (null or "h2load" or "internal"))
        {
            throw new ArgumentException($"--load-generator: unknown load generator '{options.LoadGenerator}'; expected h2load or internal.");
        }

        foreach (var batching in options.Batching)
        {
            if (batching is not ("direct" or "batched" or "idle"))
            {
                throw new ArgumentException($"--batching: unknown configuration '{batching}'; expected direct, batched and/or idle.");
            }
        }

        return options;
    }

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int NonNegativeInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{name}: '{value}' is not a non-negative integer.");

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name}: '{value}' is not a positive integer.");
}
