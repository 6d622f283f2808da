using System.Globalization;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// One way to serve a model: its name in the repository, a description for the table, and the
/// <c>config.json</c> ModelDock reads. Each scheduler configuration compared is the same model under
/// another name, so several can share one repository.
/// </summary>
internal sealed record ModelDockConfig(string ModelName, string Description, string Json)
{
    /// <summary>The configurations <see cref="BenchOptions.Batching"/> asks for, in its order.</summary>
    public static IReadOnlyList<ModelDockConfig> For(BenchModel model, BenchOptions options)
    {
        var delay = options.QueueDelayFor(model.Label);
        return [.. options.Batching.Select(batching => batching switch
        {
            "adaptive" => Batched(model, options, delay, "adaptive"),
            "fixed" => Batched(model, options, delay, "fixed_delay"),
            _ => new ModelDockConfig(
                model.Name + "_direct",
                string.Create(CultureInfo.InvariantCulture, $"no batching, {options.DirectInstances} inst."),
                string.Create(CultureInfo.InvariantCulture,
                    $$"""{"max_batch_size": {{options.MaxBatchSize}}, "instance_group": [{"count": {{options.DirectInstances}}}], {{IntraOp(options.DirectIntraOpThreads)}}}""")),
        })];
    }

    /// <summary>Dynamic batching under <paramref name="policy"/>: <c>adaptive</c> (ModelDock's default) or Triton's <c>fixed_delay</c>.</summary>
    private static ModelDockConfig Batched(BenchModel model, BenchOptions options, int delay, string policy) => new(
        model.Name + "_" + policy,
        string.Create(CultureInfo.InvariantCulture, $"batch ≤{options.MaxBatchSize}, {policy.Replace('_', ' ')} {delay} µs{Variations(model, options)}"),
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"max_batch_size": {{options.MaxBatchSize}}, "dynamic_batching": {"max_queue_delay_microseconds": {{delay}}, "preferred_batch_size": [{{options.PreferredBatchSize ?? options.MaxBatchSize}}], "batching_policy": "{{policy}}"{{QueuePolicy(options)}}}, "instance_group": [{"count": {{options.BatchedInstances}}}], {{IntraOp(options.BatchedIntraOpFor(model.Label))}}}"""));

    /// <summary>What differs from the default batched configuration, so rows of different runs are told apart.</summary>
    private static string Variations(BenchModel model, BenchOptions options) =>
        (options.PreferredBatchSize is { } preferred ? $", preferred {preferred}" : "")
        + (options.BatchedInstances != 1 ? $", {options.BatchedInstances} inst." : "")
        + (options.BatchedIntraOpFor(model.Label) is var threads and > 0 ? $", {threads} ORT thr." : "")
        + (options.MaxQueueSize is { } queue ? $", queue ≤{queue}" : "");

    /// <summary>ModelDock's default queue bound (1024 requests) unless one is given.</summary>
    private static string QueuePolicy(BenchOptions options) =>
        options.MaxQueueSize is { } size
            ? string.Create(CultureInfo.InvariantCulture, $$""", "default_queue_policy": {"max_queue_size": {{size}}}""")
            : "";

    private static string IntraOp(int threads) =>
        "\"parameters\": {\"intra_op_thread_count\": {\"string_value\": \"" + threads.ToString(CultureInfo.InvariantCulture) + "\"}}";
}
