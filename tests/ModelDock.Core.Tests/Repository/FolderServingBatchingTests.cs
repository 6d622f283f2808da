using Microsoft.Extensions.Time.Testing;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Repository;

/// <summary>The batching policy of a model's config, seen through the model server.</summary>
public sealed class FolderServingBatchingTests
{
    private const string Mlp = "mlp";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task InferAsync_DynamicBatchingWithoutAPolicy_AnswersALoneRequestWithoutWaitingTheDelay()
    {
        var time = new FakeTimeProvider();
        await using var h = new ServerHarness(time: time);
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp([8, 16, 4], seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "dynamic_batching": {"max_queue_delay_microseconds": 3600000000}}""");
        await h.Source.StartAsync(CancellationToken.None);

        var response = await h.Inference
            .InferAsync(ServerHarness.MlpRequest(Mlp, ReferenceMath.RandomInputs(8, seed: 2), 1, 8), CancellationToken.None)
            .AsTask()
            .WaitAsync(Patience);

        Assert.Equal(new long[] { 1, 4 }, Assert.Single(response.Outputs).Shape);
    }

    [Fact]
    public async Task InferAsync_FixedDelayPolicy_RunsALoneRequestOnlyOnceTheDelayHasPassed()
    {
        var time = new FakeTimeProvider();
        await using var h = new ServerHarness(time: time);
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp([8, 16, 4], seed: 1).Onnx);
        h.Repository.WriteConfig(
            Mlp, """{"max_batch_size": 8, "dynamic_batching": {"max_queue_delay_microseconds": 100000, "batching_policy": "fixed_delay"}}""");
        await h.Source.StartAsync(CancellationToken.None);
        var backend = h.BackendOf(Mlp, 1);
        var runsBefore = backend.BatchSizes.Count;

        var call = h.Inference
            .InferAsync(ServerHarness.MlpRequest(Mlp, ReferenceMath.RandomInputs(8, seed: 2), 1, 8), CancellationToken.None)
            .AsTask();
        time.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        Assert.Equal(runsBefore, backend.BatchSizes.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var response = await call.WaitAsync(Patience);

        Assert.Equal(new long[] { 1, 4 }, Assert.Single(response.Outputs).Shape);
        Assert.Equal(runsBefore + 1, backend.BatchSizes.Count);
    }
}
