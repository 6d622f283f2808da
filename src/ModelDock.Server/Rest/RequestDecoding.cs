using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.RequestDecompression;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelDock.Errors;

namespace ModelDock.Server.Rest;

/// <summary>
/// REST request bodies may be compressed (Content-Encoding gzip, deflate or br, as tritonclient's
/// request_compression_algorithm sends them); ASP.NET's request decompression decodes them. Two
/// gaps are closed here: an encoding the server cannot decode is refused with 415 instead of being
/// parsed as if it were plain, and a body that does not decode is the client's mistake (400), which
/// Brotli would otherwise report as an InvalidOperationException.
/// </summary>
internal static class RequestDecoding
{
    public static IServiceCollection AddRequestDecoding(this IServiceCollection services) =>
        services.AddRequestDecompression(options =>
        {
            foreach (var (encoding, provider) in options.DecompressionProviders.ToList())
            {
                options.DecompressionProviders[encoding] = new CheckedProvider(provider);
            }
        });

    public static IApplicationBuilder UseRequestDecoding(this IApplicationBuilder app)
    {
        var supported = app.ApplicationServices.GetRequiredService<IOptions<RequestDecompressionOptions>>().Value.DecompressionProviders;
        app.Use((context, next) =>
        {
            var encodings = context.Request.Headers.ContentEncoding;
            if (encodings.Count == 0)
            {
                return next(context);
            }

            var encoding = encodings.Count == 1 ? encodings[0]!.Trim() : null;
            if (encoding is null || encoding.Contains(',', StringComparison.Ordinal) ||
                (!supported.ContainsKey(encoding) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase)))
            {
                throw new ModelDockException(
                    ErrorKind.UnsupportedMediaType,
                    $"Content-Encoding '{encodings}' is not supported; send one of {string.Join(", ", supported.Keys.Order(StringComparer.Ordinal))} or an uncompressed body");
            }

            return next(context);
        });
        return app.UseRequestDecompression();
    }

    private sealed class CheckedProvider(IDecompressionProvider inner) : IDecompressionProvider
    {
        public Stream GetDecompressionStream(Stream stream) => new CheckedStream(inner.GetDecompressionStream(stream));
    }

    /// <summary>Reports a body that does not decode as <see cref="InvalidDataException"/>, whichever decoder found it.</summary>
    private sealed class CheckedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (InvalidOperationException e)
            {
                throw NotDecodable(e);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw NotDecodable(e);
            }
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private static InvalidDataException NotDecodable(Exception e) => new(e.Message, e);
    }
}
