using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using ModelDock.Errors;
using ModelDock.Server.Errors;
using Xunit;

namespace ModelDock.Server.Tests.Errors;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(ErrorKind.InvalidInput, 400, StatusCode.InvalidArgument)]
    [InlineData(ErrorKind.NotFound, 404, StatusCode.NotFound)]
    [InlineData(ErrorKind.Conflict, 409, StatusCode.FailedPrecondition)]
    [InlineData(ErrorKind.PayloadTooLarge, 413, StatusCode.ResourceExhausted)]
    [InlineData(ErrorKind.QueueFull, 429, StatusCode.ResourceExhausted)]
    [InlineData(ErrorKind.Unavailable, 503, StatusCode.Unavailable)]
    [InlineData(ErrorKind.Timeout, 504, StatusCode.DeadlineExceeded)]
    [InlineData(ErrorKind.Cancelled, 499, StatusCode.Cancelled)]
    [InlineData(ErrorKind.Internal, 500, StatusCode.Internal)]
    public void Map_EveryKind_HasItsHttpAndGrpcStatus(ErrorKind kind, int http, StatusCode grpc)
    {
        Assert.Equal(http, ErrorMapping.ToHttpStatus(kind));
        Assert.Equal(grpc, ErrorMapping.ToGrpcStatus(kind));
    }

    [Fact]
    public void Classify_KestrelOversizeBody_IsPayloadTooLarge()
    {
        var (kind, _) = ErrorMapping.Classify(new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));

        Assert.Equal(ErrorKind.PayloadTooLarge, kind);
    }

    [Fact]
    public void Classify_JsonError_IsInvalidInputKeepingThePosition()
    {
        var (kind, message) = ErrorMapping.Classify(new JsonException("'x' is invalid. LineNumber: 0 | BytePositionInLine: 3."));

        Assert.Equal(ErrorKind.InvalidInput, kind);
        Assert.Contains("BytePositionInLine: 3", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_UnexpectedException_IsInternalWithoutItsMessage()
    {
        var (kind, message) = ErrorMapping.Classify(new InvalidOperationException("secret detail"));

        Assert.Equal(ErrorKind.Internal, kind);
        Assert.DoesNotContain("secret", message, StringComparison.Ordinal);
    }
}
