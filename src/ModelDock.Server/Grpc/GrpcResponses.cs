using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace ModelDock.Server.Grpc;

/// <summary>gRPC answers written before a call reaches its service, by middleware that refuses it.</summary>
internal static class GrpcResponses
{
    public static bool IsGrpc(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;

    /// <summary>A trailers-only response: HTTP 200 with the status in the headers, which every gRPC client reads as the call's status.</summary>
    public static Task WriteErrorAsync(HttpContext context, StatusCode status, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        return Task.CompletedTask;
    }
}
