using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelDock.Server.Shared;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Server.Rest;

internal sealed class MetadataEndpoints
{
    private readonly IModelServer _server;

    public MetadataEndpoints(IModelServer server)
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

    private static void WriteTensors(Utf8JsonWriter w, ReadOnlySpan<byte> property, IReadOnlyList<TensorSpec> tensors)
    {
        w.WriteStartArray(property);
        foreach (var t in tensors)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, t.Name);
            w.WriteString("datatype"u8, t.DataType.ToWireName());
            w.WriteStartArray("shape"u8);
            foreach (var d in t.Shape)
            {
                w.WriteNumberValue(d);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
