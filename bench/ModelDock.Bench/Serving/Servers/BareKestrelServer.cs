using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// The transport limit: Kestrel and routing, a full parse of the same OIP JSON request, and a constant
/// response of the size a real one has. No model, no validation, no response serialization.
/// </summary>
internal static class BareKestrelServer
{
    public static WebApplication Build(BenchModel model, int port)
    {
        var response = OipPayloads.JsonResponse(model);
        var app = TargetHost.CreateBuilder(port).Build();
        app.MapPost("/v2/models/{name}/infer", async context =>
        {
            var reader = context.Request.BodyReader;
            ReadResult read;
            while (true)
            {
                read = await reader.ReadAsync().ConfigureAwait(false);
                if (read.IsCompleted)
                {
                    break;
                }

                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }

            var values = CountNumbers(read.Buffer);
            reader.AdvanceTo(read.Buffer.End);
            if (values < model.InputWidth)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = response.Length;
            await context.Response.Body.WriteAsync(response).ConfigureAwait(false);
        });
        return app;
    }

    /// <summary>Reads every token and converts every number to a float, as a real parser must.</summary>
    private static int CountNumbers(ReadOnlySequence<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        var count = 0;
        var sum = 0f;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                sum += reader.GetSingle();
                count++;
            }
        }

        return float.IsNaN(sum) ? 0 : count;
    }
}
