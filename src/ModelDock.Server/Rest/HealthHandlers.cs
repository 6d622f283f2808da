using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>
/// Health answers 200 with a small JSON body when true and 503 with the OIP error body when false:
/// probes read the status, the KServe SDK reads the body.
/// </summary>
internal sealed class HealthHandlers
{
    private readonly IInferenceService _server;

    public HealthHandlers(IInferenceService server)
    {
        _server = server;
    }

    public static Task LiveAsync(HttpContext context) =>
        JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("live"u8, true);
            w.WriteEndObject();
        });

    public Task ReadyAsync(HttpContext context)
    {
        if (!_server.IsReady)
        {
            return JsonResponses.WriteErrorAsync(context, ErrorKind.Unavailable, "server is not ready");
        }

        return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("ready"u8, true);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// A model that is not ready answers the error a request to it would get: 404 for a model or version the
    /// repository does not have, 503 with the reason for one it has that is not serving (loading, failed, unloaded).
    /// </summary>
    public Task ModelReadyAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        var version = RouteValues.Version(context);
        if (!_server.IsModelReady(model, version))
        {
            // Throws that error; when the model became ready in between, it is ready.
            _server.GetMetadata(model, version);
        }

        return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("name"u8, model);
            w.WriteBoolean("ready"u8, true);
            w.WriteEndObject();
        });
    }
}
