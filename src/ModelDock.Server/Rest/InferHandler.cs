using System.Globalization;
using Microsoft.AspNetCore.Http;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Server.Errors;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>POST /v2/models/{model}[/versions/{version}]/infer, JSON or with the binary tensor extension.</summary>
internal sealed class InferHandler
{
    private readonly IInferenceService _server;
    private readonly long _maxBodyBytes;
    private readonly ServingMetrics? _metrics;

    public InferHandler(IInferenceService server, long maxBodyBytes, ServingMetrics? metrics)
    {
        _server = server;
        _maxBodyBytes = maxBodyBytes;
        _metrics = metrics;
    }

    public async Task InferAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        var version = RouteValues.Version(context);
        var aborted = context.RequestAborted;
        RequestBody? body = null;
        RestInferRequest request;
        try
        {
            body = await RequestBody.ReadAsync(context.Request, _maxBodyBytes, aborted);
            request = Parse(context.Request, model, version, body.Memory);
        }
        catch (Exception e)
        {
            // The inference service counts what reaches it; a body that never became a request is counted here.
            body?.Dispose();
            _metrics?.RecordRefused(InferenceProtocol.Rest, model, ErrorMapping.Classify(e).Kind);
            throw;
        }

        using var owned = body;
        var headers = context.Request.Headers;
        var pinned = headers[EndpointRouter.DeploymentHeader] is [{ Length: > 0 } deploymentHeader] ? deploymentHeader : null;
        var routingKey = _server.RoutingHeader(model) is { } keyHeader && headers[keyHeader] is [{ Length: > 0 } key] ? key : null;
        var inference = pinned is null && routingKey is null ? request.Request : request.Request.WithRouting(pinned, routingKey);
        var response = await _server.InferAsync(inference, aborted);
        if (response.Parameters.TryGetValue(EndpointRouter.DeploymentParameter, out var deployment))
        {
            context.Response.Headers[EndpointRouter.DeploymentHeader] = (string)deployment;
        }

        await InferResponseWriter.WriteAsync(context.Response, request, response, aborted);
    }

    private RestInferRequest Parse(HttpRequest http, string model, string? version, ReadOnlyMemory<byte> bytes)
    {
        var headerLength = ReadHeaderLength(http);
        if (headerLength is null)
        {
            return InferRequestParser.Parse(model, version, bytes, bytes.Length);
        }

        if (headerLength > bytes.Length)
        {
            throw ModelDockException.InvalidInput(
                $"{InferResponseWriter.HeaderLengthHeader} is {headerLength} but the body has only {bytes.Length} bytes");
        }

        return headerLength == 0 ? ParseRaw(model, version, bytes) : InferRequestParser.Parse(model, version, bytes, headerLength.Value);
    }

    private RestInferRequest ParseRaw(string model, string? version, ReadOnlyMemory<byte> body)
    {
        var metadata = _server.GetMetadata(model, version);
        if (metadata.Inputs.Count != 1)
        {
            throw ModelDockException.InvalidInput(
                $"a raw binary request ({InferResponseWriter.HeaderLengthHeader}: 0) needs a model with exactly one input; '{model}' has {metadata.Inputs.Count}");
        }

        return InferRequestParser.ParseRaw(model, version, body, metadata.Inputs[0], metadata.MaxBatchSize > 0);
    }

    private static int? ReadHeaderLength(HttpRequest request)
    {
        var values = request.Headers[InferResponseWriter.HeaderLengthHeader];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw ModelDockException.InvalidInput(
                $"{InferResponseWriter.HeaderLengthHeader} must be one non-negative integer, got '{values}'");
        }

        return length;
    }
}
