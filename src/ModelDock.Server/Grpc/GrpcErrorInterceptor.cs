using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using ModelDock.Server.Errors;

namespace ModelDock.Server.Grpc;

/// <summary>Turns every exception escaping a gRPC method, unary or streaming, into an <see cref="RpcException"/> with the mapped status.</summary>
internal sealed class GrpcErrorInterceptor : Interceptor
{
    private readonly ILogger<GrpcErrorInterceptor> _logger;

    public GrpcErrorInterceptor(ILogger<GrpcErrorInterceptor> logger)
    {
        _logger = logger;
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Map(e, context);
        }
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        var (kind, message) = ErrorMapping.Classify(e);
        ErrorLog.Failed(_logger, context.Method, kind, message, e);

        return ErrorMapping.ToRpcException(kind, message);
    }
}
