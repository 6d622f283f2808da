using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Serving;

namespace ModelDock.Server.Rest;

/// <summary>POST /v2/models/{model}[/versions/{version}]/infer, JSON or with the binary tensor extension.</summary>
internal sealed class InferEndpoint
{
    private readonly IModelServer _server;
    private readonly long _maxBodyBytes;

    public InferEndpoint(IModelServer server, long maxBodyBytes)
    {
        _server = server;
        _maxBodyBytes = maxBodyBytes;
    }

    public async Task InferAsync(HttpContext context)
    {
        var model = RouteValues.Model(context)!;
        var version = RouteValues.Version(context);
        var aborted = context.RequestAborted;
        var headerLength = ReadHeaderLength(context.Request);

        RestInferRequest request;
        if (headerLength is null)
        {
            request = await ParseJsonAsync(context.Request, model, version, aborted);
        }
        else
        {
            // Binary tensors are referenced in place, so this buffer lives as long as the request.
            var (buffer, length) = await ReadBodyAsync(context.Request, aborted);
            var body = buffer.AsMemory(0, length);
            if (headerLength > length)
            {
                throw ModelDockException.InvalidInput(
                    $"{InferResponseWriter.HeaderLengthHeader} is {headerLength} but the body has only {length} bytes");
            }

            request = headerLength == 0 ? ParseRaw(model, version, body) : InferRequestParser.Parse(model, version, body, headerLength.Value);
        }

        var response = await _server.InferAsync(request.Request, aborted);
        await InferResponseWriter.WriteAsync(context.Response, request, response, aborted);
    }

    /// <summary>
    /// Pure JSON: every value is copied out while parsing, so the request is parsed straight from
    /// Kestrel's buffers and nothing of the body outlives this call.
    /// </summary>
    private async ValueTask<RestInferRequest> ParseJsonAsync(HttpRequest http, string model, string? version, CancellationToken cancellationToken)
    {
        if (http.ContentLength > _maxBodyBytes)
        {
            throw TooLarge();
        }

        var reader = http.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(cancellationToken);
            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            if (read.Buffer.Length > _maxBodyBytes)
            {
                throw TooLarge();
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var body = read.Buffer;
        try
        {
            if (body.IsSingleSegment)
            {
                return InferRequestParser.Parse(model, version, body.First, (int)body.Length);
            }

            var length = checked((int)body.Length);
            var copy = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                body.CopyTo(copy);
                return InferRequestParser.Parse(model, version, copy.AsMemory(0, length), length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(copy);
            }
        }
        finally
        {
            reader.AdvanceTo(body.End);
        }
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

    /// <summary>
    /// The whole body in an array of its own: binary tensors reference it for the rest of the request.
    /// Content-Length only sizes the first buffer: a compressed body decompresses to a different length.
    /// </summary>
    private async ValueTask<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _maxBodyBytes)
        {
            throw TooLarge();
        }

        var buffer = new byte[Math.Max(1, request.ContentLength ?? 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                // Full: one more byte tells whether the body ends here, without doubling an exact-size buffer.
                var probe = new byte[1];
                if (await request.Body.ReadAsync(probe, cancellationToken) == 0)
                {
                    return (buffer, length);
                }

                Array.Resize(ref buffer, (int)Math.Min(Math.Max(2L * buffer.Length, 16 * 1024), _maxBodyBytes + 1L));
                buffer[length++] = probe[0];
                if (length > _maxBodyBytes)
                {
                    throw TooLarge();
                }
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return (buffer, length);
            }

            length += read;
            if (length > _maxBodyBytes)
            {
                throw TooLarge();
            }
        }
    }

    private ModelDockException TooLarge() =>
        new(ErrorKind.PayloadTooLarge, $"request body is larger than the server's limit of {_maxBodyBytes} bytes");
}
