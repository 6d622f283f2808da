using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>
/// Health answers 200 with a small JSON body when true and 503 with the OIP error body when false:
/// probes read the status, the KServe SDK reads the body.
/// </summary>
internal sealed class HealthEndpoints
{
    private readonly IModelServer _server;

    public HealthEndpoints(IModelServer server)
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

    public Task ModelReadyAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        var version = RouteValues.Version(context);
        if (_server.IsModelReady(model, version))
        {
            return JsonResponses.WriteAsync(context, StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteString("name"u8, model);
                w.WriteBoolean("ready"u8, true);
                w.WriteEndObject();
            });
        }

        var known = _server.GetRepositoryIndex(readyOnly: false).Any(e => e.Name == model);
        var what = version is null ? $"model '{model}'" : $"version '{version}' of model '{model}'";
        return known
            ? JsonResponses.WriteErrorAsync(context, ErrorKind.Unavailable, what + " is not ready")
            : JsonResponses.WriteErrorAsync(context, ErrorKind.NotFound, $"unknown model '{model}'");
    }
}
