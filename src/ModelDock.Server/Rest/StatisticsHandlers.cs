using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>Triton's statistics extension: cumulative {count, ns} pairs per model version.</summary>
internal sealed class StatisticsHandlers
{
    private readonly IModelRepositoryControl _repository;

    public StatisticsHandlers(IModelRepositoryControl repository)
    {
        _repository = repository;
    }

    public Task GetAsync(HttpContext context)
    {
        var stats = _repository.GetStatistics(RouteValues.Model(context), RouteValues.Version(context));
        return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("model_stats"u8);
            foreach (var s in stats)
            {
                WriteModel(w, s);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteModel(Utf8JsonWriter w, ModelStatistics s)
    {
        w.WriteStartObject();
        w.WriteString("name"u8, s.Name);
        w.WriteString("version"u8, s.Version);
        w.WriteNumber("last_inference"u8, s.LastInference);
        w.WriteNumber("inference_count"u8, s.InferenceCount);
        w.WriteNumber("execution_count"u8, s.ExecutionCount);
        w.WriteStartObject("inference_stats"u8);
        WriteDuration(w, "success"u8, s.InferenceStats.Success);
        WriteDuration(w, "fail"u8, s.InferenceStats.Fail);
        WriteDuration(w, "queue"u8, s.InferenceStats.Queue);
        WriteDuration(w, "compute_input"u8, s.InferenceStats.ComputeInput);
        WriteDuration(w, "compute_infer"u8, s.InferenceStats.ComputeInfer);
        WriteDuration(w, "compute_output"u8, s.InferenceStats.ComputeOutput);
        WriteDuration(w, "cache_hit"u8, default);
        WriteDuration(w, "cache_miss"u8, default);
        w.WriteEndObject();
        w.WriteStartObject("response_stats"u8);
        w.WriteEndObject();
        w.WriteStartArray("batch_stats"u8);
        foreach (var b in s.BatchStats)
        {
            w.WriteStartObject();
            w.WriteNumber("batch_size"u8, b.BatchSize);
            WriteDuration(w, "compute_input"u8, b.ComputeInput);
            WriteDuration(w, "compute_infer"u8, b.ComputeInfer);
            WriteDuration(w, "compute_output"u8, b.ComputeOutput);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("memory_usage"u8);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteDuration(Utf8JsonWriter w, ReadOnlySpan<byte> name, DurationStatistic d)
    {
        w.WriteStartObject(name);
        w.WriteNumber("count"u8, d.Count);
        w.WriteNumber("ns"u8, d.Nanoseconds);
        w.WriteEndObject();
    }
}
