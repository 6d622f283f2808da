using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Server.Errors;

namespace ModelDock.Server.Rest;

/// <summary>Small JSON bodies written with Utf8JsonWriter: no reflection, no intermediate objects.</summary>
internal static class JsonResponses
{
    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(response.BodyWriter, InferResponseWriter.WriterOptions))
        {
            write(writer);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>The OIP error body <c>{"error": "..."}</c> with the status the error kind maps to.</summary>
    public static Task WriteErrorAsync(HttpContext context, ErrorKind kind, string message) =>
        WriteAsync(context, ErrorMapping.ToHttpStatus(kind), w =>
        {
            w.WriteStartObject();
            w.WriteString("error"u8, message);
            w.WriteEndObject();
        });
}
