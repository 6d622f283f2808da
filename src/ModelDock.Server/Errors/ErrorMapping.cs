using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;

namespace ModelDock.Server.Errors;

/// <summary>The one place that turns an <see cref="ErrorKind"/> into an HTTP or gRPC status.</summary>
public static class ErrorMapping
{
    /// <summary>nginx's "client closed request": the caller went away, nobody reads the answer.</summary>
    public const int ClientClosedRequest = 499;

    public static int ToHttpStatus(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput => StatusCodes.Status400BadRequest,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorKind.PermissionDenied => StatusCodes.Status403Forbidden,
        ErrorKind.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorKind.QueueFull => StatusCodes.Status429TooManyRequests,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,
        ErrorKind.Cancelled => ClientClosedRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static StatusCode ToGrpcStatus(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidInput => StatusCode.InvalidArgument,
        ErrorKind.NotFound => StatusCode.NotFound,
        ErrorKind.Conflict => StatusCode.FailedPrecondition,
        ErrorKind.Unauthenticated => StatusCode.Unauthenticated,
        ErrorKind.PermissionDenied => StatusCode.PermissionDenied,
        ErrorKind.PayloadTooLarge => StatusCode.ResourceExhausted,
        ErrorKind.UnsupportedMediaType => StatusCode.InvalidArgument,
        ErrorKind.QueueFull => StatusCode.ResourceExhausted,
        ErrorKind.Unavailable => StatusCode.Unavailable,
        ErrorKind.Timeout => StatusCode.DeadlineExceeded,
        ErrorKind.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// Classifies any exception escaping an endpoint. Only ModelDock's own messages and parser
    /// positions reach the client; an unexpected exception is reported as a generic internal error.
    /// </summary>
    public static (ErrorKind Kind, string Message) Classify(Exception exception) => exception switch
    {
        ModelDockException e => (e.Kind, e.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (ErrorKind.PayloadTooLarge, "request body is larger than the server's limit"),
        BadHttpRequestException e => (ErrorKind.InvalidInput, e.Message),
        JsonException e => (ErrorKind.InvalidInput, "malformed JSON: " + e.Message),
        InvalidDataException => (ErrorKind.InvalidInput, "the request body does not decompress with its Content-Encoding"),
        OperationCanceledException => (ErrorKind.Cancelled, "the request was cancelled"),
        _ => (ErrorKind.Internal, "internal server error"),
    };

    public static RpcException ToRpcException(ErrorKind kind, string message) =>
        new(new Status(ToGrpcStatus(kind), message));
}
