using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Errors;
using ModelDock.Server.Access;
using ModelDock.Server.Rest;

namespace ModelDock.Server.Features;

/// <summary>
/// Feast-compatible feature serving routes: <c>POST /get-online-features</c>, <c>POST /push</c> and
/// <c>GET /health/features</c>, over the definitions served at the time of each request (see
/// <see cref="FeatureServingServiceCollectionExtensions.AddFeatureRegistryServing"/>).
/// </summary>
public static class FeatureHandlers
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    public static IEndpointRouteBuilder MapFeatureRoutes(this IEndpointRouteBuilder endpoints) => Map(endpoints);

    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var serving = endpoints.ServiceProvider.GetRequiredService<FeatureServing>();
        var features = endpoints.MapGroup(string.Empty).RequireAuthorization(AccessPolicies.Inference);
        features.MapPost("/get-online-features", context => Handle(context, async (root, ct) =>
        {
            var current = serving.Online;
            var response = await current.GetOnlineFeaturesAsync(Read(root, r => FeatureJson.ReadOnlineRequest(r, current.MaxEntityRows)), ct).ConfigureAwait(false);
            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions);
            FeatureJson.WriteOnlineResponse(writer, response);
        }));
        features.MapPost("/push", context => Handle(context, async (root, ct) =>
        {
            var result = await serving.Push.PushAsync(Read(root, FeatureJson.ReadPushRequest), ct).ConfigureAwait(false);
            await context.Response.WriteAsJsonAsync(new PushReply(result.Rows, result.OnlineRowsWritten, result.StoredOffline), ct).ConfigureAwait(false);
        })).RequireAuthorization(AccessPolicies.Admin);
        endpoints.MapGet("/health/features", async context =>
        {
            var health = await serving.Store.CheckHealthAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = health.IsHealthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsJsonAsync(
                new HealthReply(health.IsHealthy ? "ok" : "degraded", serving.Store.Name, health.Description),
                context.RequestAborted).ConfigureAwait(false);
        });
        return endpoints;
    }

    private static async Task Handle(HttpContext context, Func<JsonElement, CancellationToken, Task> handler)
    {
        var ct = context.RequestAborted;
        try
        {
            // Held in the request's pipe while it is parsed and used, so the request memory budget counts all of it.
            var maxBytes = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? int.MaxValue;
            using var body = await RequestBody.ReadAsync(context.Request, maxBytes, ct).ConfigureAwait(false);
            using var document = Parse(body.Memory);
            await handler(document.RootElement, ct).ConfigureAwait(false);
        }
        catch (ModelDockException e) when (!context.Response.HasStarted)
        {
            await JsonResponses.WriteErrorAsync(context, e.Kind, e.Message).ConfigureAwait(false);
        }
    }

    /// <summary>The document reads the body in place: both live until the handler is done.</summary>
    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw ModelDockException.InvalidInput($"The request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the client's document into a request. JsonElement reports text it cannot decode (invalid UTF-8, a lone
    /// surrogate escape) and a value of another kind as InvalidOperationException; here both can only be the client's.
    /// </summary>
    private static T Read<T>(JsonElement root, Func<JsonElement, T> read)
    {
        try
        {
            return read(root);
        }
        catch (InvalidOperationException e)
        {
            throw ModelDockException.InvalidInput($"The request body is not valid: {e.Message}");
        }
    }

    private sealed record PushReply(int Rows, IReadOnlyDictionary<string, int> OnlineRowsWritten, bool Offline);

    private sealed record HealthReply(string Status, string OnlineStore, string Detail);
}
