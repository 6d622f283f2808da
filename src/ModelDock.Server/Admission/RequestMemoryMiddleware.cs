using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ModelDock.Errors;
using ModelDock.Server.Grpc;
using ModelDock.Server.Rest;

namespace ModelDock.Server.Admission;

/// <summary>
/// Puts every request body behind the <see cref="RequestMemoryBudget"/>: the body reader charges
/// the bytes it holds as they arrive, and the charge is released when the request ends. A body that
/// declares more than the whole budget has left is refused before a byte of it is read.
/// </summary>
internal sealed class RequestMemoryMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RequestMemoryBudget _budget;

    public RequestMemoryMiddleware(RequestDelegate next, RequestMemoryBudget budget)
    {
        _next = next;
        _budget = budget;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength == 0 || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            return _next(context);
        }

        var grpc = GrpcResponses.IsGrpc(context);
        if (request.ContentLength > _budget.Available)
        {
            return Refuse(context, grpc);
        }

        return ReadWithinBudgetAsync(context, grpc);
    }

    private async Task ReadWithinBudgetAsync(HttpContext context, bool grpc)
    {
        using var reader = new BudgetedBodyReader(context.Request.BodyReader, _budget, grpc ? GrpcExhausted : RestExhausted);
        var pipe = context.Features.Get<IRequestBodyPipeFeature>();
        context.Features.Set<IRequestBodyPipeFeature>(new BodyPipeFeature(reader));
        try
        {
            await _next(context);
        }
        finally
        {
            context.Features.Set(pipe);
        }
    }

    private Task Refuse(HttpContext context, bool grpc)
    {
        var error = Exhausted(_budget.Capacity);
        RefusedInferences.Record(context, error.Kind);
        if (grpc)
        {
            return GrpcResponses.WriteErrorAsync(context, StatusCode.ResourceExhausted, error.Message);
        }

        // The body stays unread, so the connection cannot carry another request.
        context.Response.Headers.Connection = "close";
        return JsonResponses.WriteErrorAsync(context, error.Kind, error.Message);
    }

    private static ModelDockException Exhausted(long capacity) =>
        new(ErrorKind.QueueFull, $"the server holds its limit of {capacity} bytes of request data in flight (--max-inflight-request-bytes); retry later");

    private static readonly Func<long, Exception> RestExhausted = Exhausted;

    private static readonly Func<long, Exception> GrpcExhausted =
        capacity => new RpcException(new Status(StatusCode.ResourceExhausted, Exhausted(capacity).Message));

    private sealed class BodyPipeFeature(BudgetedBodyReader reader) : IRequestBodyPipeFeature
    {
        public System.IO.Pipelines.PipeReader Reader => reader;
    }
}
