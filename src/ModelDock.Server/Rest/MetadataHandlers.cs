using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelDock.Server.Shared;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Server.Rest;

internal sealed class MetadataHandlers
{
    private readonly IInferenceService _server;

    public MetadataHandlers(IInferenceService server)
    {
        _server = server;
    }

    public static Task ServerAsync(HttpContext context) =>
        JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("name"u8, ServerInfo.Name);
            w.WriteString("version"u8, ServerInfo.Version);
            w.WriteStartArray("extensions"u8);
            foreach (var e in ServerInfo.Extensions)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    public Task ModelAsync(HttpContext context)
    {
        var metadata = _server.GetMetadata(RouteValues.Model(context)!, RouteValues.Version(context));
        return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("name"u8, metadata.Name);
            w.WriteStartArray("versions"u8);
            foreach (var v in metadata.Versions)
            {
                w.WriteStringValue(v);
            }

            w.WriteEndArray();
            w.WriteString("platform"u8, metadata.Platform);
            WriteTensors(w, "inputs"u8, metadata.Inputs);
            WriteTensors(w, "outputs"u8, metadata.Outputs);
            w.WriteEndObject();
        });
    }

    /// <summary>Triton's model configuration extension: the effective config in Triton's JSON field names.</summary>
    public Task ConfigAsync(HttpContext context)
    {
        var config = _server.GetConfiguration(RouteValues.Model(context)!, RouteValues.Version(context));
        return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("name"u8, config.Name);
            w.WriteString("platform"u8, config.Platform);
            w.WriteString("backend"u8, config.Backend);
            w.WriteStartObject("version_policy"u8);
            if (config.LatestVersions is { } latest)
            {
                w.WriteStartObject("latest"u8);
                w.WriteNumber("num_versions"u8, latest);
                w.WriteEndObject();
            }
            else if (config.SpecificVersions is { } versions)
            {
                w.WriteStartObject("specific"u8);
                WriteNumbers(w, "versions"u8, versions);
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject("all"u8);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteNumber("max_batch_size"u8, config.MaxBatchSize);
            WriteTensors(w, "input"u8, config.Inputs, asConfig: true);
            WriteTensors(w, "output"u8, config.Outputs, asConfig: true);
            if (config.DynamicBatching is { } batching)
            {
                w.WriteStartObject("dynamic_batching"u8);
                WriteNumbers(w, "preferred_batch_size"u8, batching.PreferredBatchSizes.Select(size => (long)size));
                w.WriteNumber("max_queue_delay_microseconds"u8, batching.MaxQueueDelayMicroseconds);
                w.WriteStartObject("default_queue_policy"u8);
                w.WriteNumber("default_timeout_microseconds"u8, batching.DefaultTimeoutMicroseconds);
                w.WriteNumber("max_queue_size"u8, batching.MaxQueueSize);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteStartArray("instance_group"u8);
            w.WriteStartObject();
            w.WriteString("name"u8, config.Name + "_0");
            w.WriteString("kind"u8, "KIND_CPU");
            w.WriteNumber("count"u8, config.InstanceCount);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteNumbers(Utf8JsonWriter w, ReadOnlySpan<byte> property, IEnumerable<long> values)
    {
        w.WriteStartArray(property);
        foreach (var v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    /// <summary>Tensors as model metadata lists them (datatype, shape) or as Triton's config does (data_type, dims).</summary>
    private static void WriteTensors(Utf8JsonWriter w, ReadOnlySpan<byte> property, IReadOnlyList<TensorSpec> tensors, bool asConfig = false)
    {
        w.WriteStartArray(property);
        foreach (var t in tensors)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, t.Name);
            w.WriteString(asConfig ? "data_type"u8 : "datatype"u8, asConfig ? t.DataType.ToConfigName() : t.DataType.ToWireName());
            WriteNumbers(w, asConfig ? "dims"u8 : "shape"u8, t.Shape);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
