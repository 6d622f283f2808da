using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Server.Errors;
using ModelDock.Server.Grpc;

namespace ModelDock.Server.Rest;

/// <summary>
/// Turns every exception escaping a REST endpoint (including ones added by other features) into the
/// OIP error body, so clients never see an HTML page or an empty 500.
/// </summary>
internal sealed class RestErrorMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<RestErrorMiddleware> _logger;

    public RestErrorMiddleware(RequestDelegate next, ILogger<RestErrorMiddleware> logger)
    {
        _next = next;
        _logger = logger;
    }

    /// <summary>gRPC calls answer their errors in trailers, so they pass straight through without an async frame.</summary>
    public Task InvokeAsync(HttpContext context) => GrpcResponses.IsGrpc(context) ? _next(context) : InvokeRestAsync(context);

    private async Task InvokeRestAsync(HttpContext context)
    {
        try
        {
            await _next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                // Nobody is listening; the 499 only shows up in access logs.
                context.Response.StatusCode = ErrorMapping.ClientClosedRequest;
                return;
            }

            var (kind, message) = ErrorMapping.Classify(e);
            ErrorLog.Failed(_logger, $"{context.Request.Method} {context.Request.Path}", kind, message, e);

            context.Response.Clear();
            if (kind == ErrorKind.PayloadTooLarge)
            {
                // The unread rest of the body makes the connection unusable; tell the client not to reuse it.
                context.Response.Headers.Connection = "close";
            }

            await JsonResponses.WriteErrorAsync(context, kind, message);
        }
    }
}
