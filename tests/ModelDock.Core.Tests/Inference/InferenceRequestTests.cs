using System.Buffers;
using System.Text;
using ModelDock.Inference;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Core.Tests.Inference;

public sealed class InferenceRequestTests
{
    [Fact]
    public void MirroredTo_InputsOverARentedBufferThatIsReturnedAndReused_CopyKeepsTheOriginalValues()
    {
        var rented = ArrayPool<byte>.Shared.Rent(16);
        BitConverter.TryWriteBytes(rented.AsSpan(0, 8), 42L);
        BitConverter.TryWriteBytes(rented.AsSpan(8, 8), 43L);
        var request = new InferenceRequest
        {
            ModelName = "risk",
            Inputs = [Tensor.FromRaw("ids", DataType.Int64, [1, 2], rented.AsMemory(0, 16)), Tensor.FromBytes("name", [1], [Encoding.UTF8.GetBytes("ann")])],
            RunInlineWhenIdle = true,
            Deployment = "blue",
            RoutingKey = "customer-1",
        };

        var copy = request.MirroredTo("registry/fraud", "2");
        rented.AsSpan().Fill(0xFF);
        ArrayPool<byte>.Shared.Return(rented);

        Assert.Equal([42L, 43L], copy.Inputs[0].AsSpan<long>().ToArray());
        Assert.Equal("ann", Encoding.UTF8.GetString(copy.Inputs[1].BytesElements![0]));
        Assert.Equal(("registry/fraud", "2"), (copy.ModelName, copy.ModelVersion));
        Assert.False(copy.RunInlineWhenIdle);
        Assert.Null(copy.Deployment);
        Assert.Null(copy.RoutingKey);
    }
}
