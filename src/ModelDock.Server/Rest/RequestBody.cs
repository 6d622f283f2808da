using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;

namespace ModelDock.Server.Rest;

/// <summary>
/// A whole request body in one block of memory, read as its bytes arrive: nothing is sized from
/// Content-Length or any other declaration. Binary tensors reference the block in place, so it
/// lives until the response is written (dispose then).
/// </summary>
internal sealed class RequestBody : IDisposable
{
    // Larger bodies get an array of their own, so a burst of them does not leave the shared pool holding their memory.
    private const int PooledLimit = 1024 * 1024;

    private readonly PipeReader _reader;
    private readonly SequencePosition? _heldUntil;
    private readonly byte[]? _pooled;
    private bool _disposed;

    private RequestBody(PipeReader reader, ReadOnlySequence<byte> body)
    {
        _reader = reader;
        if (body.IsSingleSegment)
        {
            // Parsed straight from the transport's buffer; the pipe keeps it until disposal.
            _heldUntil = body.End;
            Memory = body.First;
            return;
        }

        var length = (int)body.Length;
        var copy = length <= PooledLimit ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
        body.CopyTo(copy);
        _pooled = length <= PooledLimit ? copy : null;
        reader.AdvanceTo(body.End);
        Memory = copy.AsMemory(0, length);
    }

    public ReadOnlyMemory<byte> Memory { get; }

    /// <summary>
    /// Reads to the end of the body; more than <paramref name="maxBytes"/>, read or declared, is
    /// refused with PayloadTooLarge (a declaration may refuse a body, never size a buffer).
    /// </summary>
    public static async ValueTask<RequestBody> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var body = read.Buffer;
            if (body.Length > maxBytes)
            {
                reader.AdvanceTo(body.End);
                throw TooLarge(maxBytes);
            }

            if (read.IsCompleted)
            {
                return new RequestBody(reader, body);
            }

            if (read.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(body.Start, body.End);
        }
    }

    private static ModelDockException TooLarge(long maxBytes) =>
        new(ErrorKind.PayloadTooLarge, $"request body is larger than the server's limit of {maxBytes} bytes");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_pooled is not null)
        {
            ArrayPool<byte>.Shared.Return(_pooled);
        }
        else if (_heldUntil is { } end)
        {
            _reader.AdvanceTo(end);
        }
    }
}
