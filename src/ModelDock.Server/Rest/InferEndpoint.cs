using System.Buffers;
using System.Globalization;
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
            // Pure JSON: every value is copied out while parsing, so the body buffer can go back to the pool.
            var (buffer, length) = await ReadBodyAsync(context.Request, pooled: true, aborted);
            try
            {
                request = InferRequestParser.Parse(model, version, buffer.AsMemory(0, length), length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            // Binary tensors are referenced in place, so this buffer lives as long as the request.
            var (buffer, length) = await ReadBodyAsync(context.Request, pooled: false, aborted);
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

    private async ValueTask<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, bool pooled, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared)
        {
            if (declared > _maxBodyBytes)
            {
                throw TooLarge();
            }

            var buffer = pooled ? ArrayPool<byte>.Shared.Rent((int)declared) : new byte[declared];
            try
            {
                await request.Body.ReadExactlyAsync(buffer.AsMemory(0, (int)declared), cancellationToken);
            }
            catch when (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }

            return (buffer, (int)declared);
        }

        var chunked = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var length = 0;
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunked.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
                if (length > _maxBodyBytes)
                {
                    throw TooLarge();
                }

                if (length == chunked.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(chunked.Length * 2);
                    chunked.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(chunked);
                    chunked = bigger;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(chunked);
            throw;
        }

        if (pooled)
        {
            return (chunked, length);
        }

        var exact = chunked.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(chunked);
        return (exact, length);
    }

    private ModelDockException TooLarge() =>
        new(ErrorKind.PayloadTooLarge, $"request body is larger than the server's limit of {_maxBodyBytes} bytes");
}
