using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ModelDock.Endpoints;
using ModelDock.Inference;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Endpoints;

/// <summary>A sticky value's place in [0, 100) is the same in every process and whichever way the value arrives.</summary>
public sealed class StickyKeyTests
{
    private static readonly byte[] Salt = Encoding.UTF8.GetBytes("risk");

    [Theory]
    [InlineData("customer-42", 81)]
    [InlineData("42", 73)]
    public void TryDraw_Header_IsTheFirst8BytesOfSha256OfEndpointZeroValueModulo100(string value, int expected)
    {
        // Expected values computed independently (Python hashlib), so a change of hash breaks replicas running both versions.
        var sticky = StickyKey.Parse("header:x-customer");

        Assert.True(sticky.TryDraw(new InferenceRequest { ModelName = "risk", Inputs = [], RoutingKey = value }, Salt, out var percent));
        Assert.Equal(expected, percent);
        Assert.False(sticky.TryDraw(Request([]), Salt, out _));
    }

    [Fact]
    public void TryDraw_SameIdAsInt64Int32BytesOrHeader_SamePercent()
    {
        var int64 = Request([Tensor.FromArray("id", DataType.Int64, [1, 1], new[] { 42L })]);
        var int32 = Request([Tensor.FromArray("id", DataType.Int32, [1, 1], new[] { 42 })]);
        var bytes = Request([Tensor.FromBytes("id", [1, 1], [Encoding.UTF8.GetBytes("42")])]);
        var input = StickyKey.Parse("input:id");

        Assert.True(input.TryDraw(int64, Salt, out var fromInt64));
        Assert.True(input.TryDraw(int32, Salt, out var fromInt32));
        Assert.True(input.TryDraw(bytes, Salt, out var fromBytes));
        Assert.Equal([73, 73, 73], new[] { fromInt64, fromInt32, fromBytes });
    }

    [Fact]
    public void TryDraw_InputMissingEmptyOrOfAnotherType_NoValueSoTheRandomDrawDecides()
    {
        var input = StickyKey.Parse("input:id");

        Assert.False(input.TryDraw(Request([Tensor.FromArray("other", DataType.Int64, [1], new[] { 1L })]), Salt, out _));
        Assert.False(input.TryDraw(Request([Tensor.FromArray("id", DataType.Int64, [0], Array.Empty<long>())]), Salt, out _));
        Assert.False(input.TryDraw(Request([Tensor.FromArray("id", DataType.Fp32, [1], new[] { 1f })]), Salt, out _));
        Assert.False(input.TryDraw(Request([Tensor.FromBytes("id", [0], [])]), Salt, out _));
    }

    [Fact]
    public void TryDraw_LongHeaderValue_HashedWhole()
    {
        var value = new string('k', 5000);
        var expected = (int)(BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData([.. Salt, 0, .. Encoding.UTF8.GetBytes(value)])) % 100);
        var sticky = StickyKey.Parse("header:x-customer");

        Assert.True(sticky.TryDraw(new InferenceRequest { ModelName = "risk", Inputs = [], RoutingKey = value }, Salt, out var percent));
        Assert.Equal(expected, percent);
    }

    private static InferenceRequest Request(IReadOnlyList<Tensor> inputs) => new() { ModelName = "risk", Inputs = inputs };
}
