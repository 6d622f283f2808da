using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Tensors;

namespace ModelDock.Endpoints;

/// <summary>
/// Where a request's sticky value comes from: a request header (gRPC metadata key) or the first element of an INT64,
/// INT32 or BYTES input. The value is hashed with SHA-256 into [0, 100) and placed on the same cumulative bounds as the
/// random draw, so a value lands on the same deployment on every replica and in every process for as long as the
/// split is unchanged, and a split that grows a deployment only moves values onto it.
/// </summary>
internal sealed class StickyKey
{
    private const string HeaderPrefix = "header:";
    private const string InputPrefix = "input:";
    private const int MaxNameLength = 256;

    // Small values are hashed from the stack; the rest from a rented buffer.
    private const int StackLimit = 256;

    private StickyKey(bool isHeader, string name)
    {
        IsHeader = isHeader;
        Name = name;
    }

    /// <summary>True for <c>header:NAME</c>, false for <c>input:NAME</c>.</summary>
    public bool IsHeader { get; }

    /// <summary>The header name (lower case) or the input tensor's name.</summary>
    public string Name { get; }

    /// <summary>The canonical text: header names lower-cased, as HTTP/2 and gRPC metadata send them.</summary>
    public override string ToString() => (IsHeader ? HeaderPrefix : InputPrefix) + Name;

    /// <summary>Parses <c>header:NAME</c> or <c>input:NAME</c>; InvalidInput naming the field when it is neither.</summary>
    public static StickyKey Parse(string text) =>
        TryParse(text, out var key, out var problem) ? key : throw ModelDockException.InvalidInput($"sticky: {problem}");

    public static bool TryParse(string text, [NotNullWhen(true)] out StickyKey? key, [NotNullWhen(false)] out string? problem)
    {
        key = null;
        if (text.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var header = text[HeaderPrefix.Length..].ToLowerInvariant();
            problem = HeaderProblem(header);
            key = problem is null ? new StickyKey(isHeader: true, header) : null;
        }
        else if (text.StartsWith(InputPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var input = text[InputPrefix.Length..];
            problem = input.Length == 0 || input.Length > MaxNameLength || input.Any(char.IsControl)
                ? $"'{text}' needs an input name of 1 to {MaxNameLength} printable characters after 'input:'"
                : null;
            key = problem is null ? new StickyKey(isHeader: false, input) : null;
        }
        else
        {
            problem = $"'{text}' is not header:NAME or input:NAME";
        }

        return key is not null;
    }

    /// <summary>Whether a sticky input may be of <paramref name="type"/>: the datatypes identifiers come in.</summary>
    public static bool Supports(DataType type) => type is DataType.Int64 or DataType.Int32 or DataType.Bytes;

    /// <summary>Where the request's value lands in [0, 100), salted with the endpoint so endpoints split independently; false when the request carries no value.</summary>
    public bool TryDraw(InferenceRequest request, ReadOnlySpan<byte> salt, out int percent)
    {
        percent = 0;
        if (IsHeader)
        {
            if (request.RoutingKey is not { } value)
            {
                return false;
            }

            var length = Encoding.UTF8.GetMaxByteCount(value.Length);
            byte[]? rented = null;
            Span<byte> utf8 = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
            percent = Percent(salt, utf8[..Encoding.UTF8.GetBytes(value, utf8)]);
            Return(rented);
            return true;
        }

        Tensor? input = null;
        for (var i = 0; i < request.Inputs.Count && input is null; i++)
        {
            input = request.Inputs[i].Name == Name ? request.Inputs[i] : null;
        }

        // The router runs before validation, so the tensor may still be short of what its shape claims.
        Span<byte> digits = stackalloc byte[20];
        int written;
        switch (input?.DataType)
        {
            case DataType.Int64 when input.Data.Length >= sizeof(long):
                BinaryPrimitives.ReadInt64LittleEndian(input.Data.Span).TryFormat(digits, out written, default, CultureInfo.InvariantCulture);
                break;
            case DataType.Int32 when input.Data.Length >= sizeof(int):
                BinaryPrimitives.ReadInt32LittleEndian(input.Data.Span).TryFormat(digits, out written, default, CultureInfo.InvariantCulture);
                break;
            case DataType.Bytes when input.BytesElements is [var first, ..]:
                percent = Percent(salt, first);
                return true;
            default:
                return false;
        }

        // Integers hash as their decimal text, so a customer id lands alike whether it arrives as a number or a string.
        percent = Percent(salt, digits[..written]);
        return true;
    }

    private static int Percent(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> value)
    {
        var length = salt.Length + 1 + value.Length;
        byte[]? rented = null;
        Span<byte> buffer = length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(length));
        salt.CopyTo(buffer);
        buffer[salt.Length] = 0;
        value.CopyTo(buffer[(salt.Length + 1)..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer[..length], hash);
        Return(rented);
        return (int)(BinaryPrimitives.ReadUInt64LittleEndian(hash) % 100);
    }

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Header names as both HTTP and gRPC metadata carry them; not the deployment pin, and not binary metadata.</summary>
    private static string? HeaderProblem(string header)
    {
        if (header.Length == 0 || header.Length > MaxNameLength || !header.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
        {
            return $"'header:{header}' needs a header name of 1 to {MaxNameLength} letters, digits, '-', '_' or '.'";
        }

        if (header == EndpointRouter.DeploymentHeader || header.StartsWith("grpc-", StringComparison.Ordinal) || header.EndsWith("-bin", StringComparison.Ordinal))
        {
            return $"'header:{header}' is reserved: {EndpointRouter.DeploymentHeader} pins a deployment, grpc-* belongs to gRPC, and *-bin metadata is binary";
        }

        return null;
    }
}
