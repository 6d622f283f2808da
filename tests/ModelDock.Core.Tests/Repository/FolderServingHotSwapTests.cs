using System.Text;
using Microsoft.Extensions.Time.Testing;
using ModelDock.Errors;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Repository;

public sealed class FolderServingHotSwapTests
{
    private const string Mlp = "mlp";
    private const string Config = """{"max_batch_size": 8}""";
    private static readonly int[] Sizes = [8, 16, 4];

    // Guards against a hang only; no assertion depends on how long anything takes.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PollAsync_NewVersionOnDisk_ServesItAndRetiresTheOld()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(Sizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);
        var v2 = DemoModels.Mlp(Sizes, seed: 2);
        h.Repository.AddVersion(Mlp, 2, v2.Onnx);
        var input = ReferenceMath.RandomInputs(8, seed: 5);

        Assert.Equal("1", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 1, 8), CancellationToken.None)).ModelVersion);
        await h.Source.PollAsync(CancellationToken.None);
        var warmedUp = h.BackendOf(Mlp, 2).BatchSizes;
        var response = await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 1, 8), CancellationToken.None);

        Assert.Equal([1L], warmedUp);
        Assert.Equal("2", response.ModelVersion);
        FolderServingTests.AssertClose(ReferenceMath.MlpForward(v2.LayerSizes, v2.Weights, v2.Biases, input, 1), response.Outputs[0].AsSpan<float>().ToArray());
        await h.BackendOf(Mlp, 1).Disposed.WaitAsync(Deadline);
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<ModelDockException>(async () =>
            await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 1, 8, version: "1"), CancellationToken.None))).Kind);
    }

    [Fact]
    public async Task PollAsync_NewVersionWhileRequestInFlight_OldVersionFinishesThenIsDisposed()
    {
        await using var h = new ServerHarness();
        var v1 = DemoModels.Mlp(Sizes, seed: 1);
        h.Repository.AddVersion(Mlp, 1, v1.Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);
        var old = h.BackendOf(Mlp, 1);
        var input = ReferenceMath.RandomInputs(16, seed: 6);
        old.Hold();
        var inFlight = h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 2, 8), CancellationToken.None).AsTask();
        await old.Entered.WaitAsync(Deadline);

        h.Repository.AddVersion(Mlp, 2, DemoModels.Mlp(Sizes, seed: 2).Onnx);
        await h.Source.PollAsync(CancellationToken.None);

        Assert.Equal("2", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 2, 8), CancellationToken.None)).ModelVersion);
        Assert.False(old.IsDisposed);
        Assert.Contains(h.Source.GetRepositoryIndex(false), e => e is { Version: "1", State: "UNLOADING" });
        old.Release();
        var response = await inFlight.WaitAsync(Deadline);
        Assert.Equal("1", response.ModelVersion);
        FolderServingTests.AssertClose(ReferenceMath.MlpForward(v1.LayerSizes, v1.Weights, v1.Biases, input, 2), response.Outputs[0].AsSpan<float>().ToArray());
        await old.Disposed.WaitAsync(Deadline);
    }

    [Fact]
    public async Task PollAsync_BrokenNewVersion_OldKeepsServingAndIndexShowsReason()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(Sizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);
        var garbage = h.Repository.AddVersion(Mlp, 2, Encoding.ASCII.GetBytes("definitely not protobuf"));

        await h.Source.PollAsync(CancellationToken.None);

        Assert.Equal("1", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None)).ModelVersion);
        var failed = Assert.Single(h.Source.GetRepositoryIndex(false), e => e.Version == "2");
        Assert.Equal("UNAVAILABLE", failed.State);
        Assert.Contains(garbage, failed.Reason, StringComparison.Ordinal);
        Assert.Equal("READY", Assert.Single(h.Source.GetRepositoryIndex(false), e => e.Version == "1").State);
        Assert.False(h.BackendOf(Mlp, 1).IsDisposed);
        Assert.True(h.Inference.IsReady);
        var explicitVersion = await Assert.ThrowsAsync<ModelDockException>(async () =>
            await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8, version: "2"), CancellationToken.None));
        Assert.Equal(ErrorKind.Unavailable, explicitVersion.Kind);

        h.Repository.AddVersion(Mlp, 2, DemoModels.Mlp(Sizes, seed: 2).Onnx);
        await h.Source.PollAsync(CancellationToken.None);

        Assert.Equal("2", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None)).ModelVersion);
    }

    [Fact]
    public async Task PollAsync_ConfigChanged_ReloadsWithNewConfig()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(Sizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);
        var old = h.BackendOf(Mlp, 1);

        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 2}""");
        await h.Source.PollAsync(CancellationToken.None);

        Assert.Equal(2, h.Inference.GetMetadata(Mlp, null).MaxBatchSize);
        await old.Disposed.WaitAsync(Deadline);
        Assert.Equal(2, h.Backends.Count);
    }

    [Fact]
    public async Task PollAsync_ModelFolderDeletedOrAdded_RemovesOrLoadsIt()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(Sizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);

        h.Repository.DeleteModel(Mlp);
        h.Repository.AddVersion("pair", 1, DemoModels.TwoInput());
        await h.Source.PollAsync(CancellationToken.None);

        Assert.Equal(ErrorKind.NotFound, Assert.Throws<ModelDockException>(() => h.Inference.GetMetadata(Mlp, null)).Kind);
        Assert.True(h.Inference.IsModelReady("pair", "1"));
    }

    [Fact]
    public async Task PollLoop_TimerTicks_PicksUpNewVersion()
    {
        var time = new FakeTimeProvider();
        await using var h = new ServerHarness(pollInterval: TimeSpan.FromSeconds(5), time: time);
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(Sizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, Config);
        await h.Source.StartAsync(CancellationToken.None);
        h.Repository.AddVersion(Mlp, 2, DemoModels.Mlp(Sizes, seed: 2).Onnx);
        Assert.False(h.Inference.IsModelReady(Mlp, "2"));

        using var deadline = new CancellationTokenSource(Deadline);
        while (!h.Inference.IsModelReady(Mlp, "2"))
        {
            time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(20, deadline.Token);
        }

        Assert.Equal("2", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None)).ModelVersion);
    }

    [Fact]
    public async Task InferAsync_ConcurrentLoadWhileVersionsChange_NoRequestFails()
    {
        await using var h = new ServerHarness();
        var models = Enumerable.Range(1, 4).Select(v => DemoModels.Mlp(Sizes, seed: v)).ToArray();
        h.Repository.AddVersion(Mlp, 1, models[0].Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "instance_group": [{"count": 2}]}""");
        await h.Source.StartAsync(CancellationToken.None);
        const int Workers = 4, PerWorker = 60;
        using var swapping = new CancellationTokenSource();

        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var seen = new List<string>();
            for (var i = 0; i < PerWorker; i++)
            {
                var rows = 1 + ((w + i) % 4);
                var input = ReferenceMath.RandomInputs(rows * 8, seed: (w * 1000) + i);
                var response = await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, rows, 8), CancellationToken.None);
                var m = models[int.Parse(response.ModelVersion, System.Globalization.CultureInfo.InvariantCulture) - 1];
                FolderServingTests.AssertClose(ReferenceMath.MlpForward(m.LayerSizes, m.Weights, m.Biases, input, rows), response.Outputs[0].AsSpan<float>().ToArray());
                seen.Add(response.ModelVersion);
            }

            return seen;
        })).ToArray();
        for (var v = 2; v <= 4; v++)
        {
            h.Repository.AddVersion(Mlp, v, models[v - 1].Onnx);
            await h.Source.PollAsync(CancellationToken.None);
        }

        var results = await Task.WhenAll(workers).WaitAsync(Deadline);

        Assert.Equal(Workers * PerWorker, results.Sum(r => r.Count));
        Assert.All(results, r => Assert.Equal(r.Order(StringComparer.Ordinal), r));
        var stats = h.Source.GetStatistics(Mlp, null);
        Assert.Equal((ulong)(Workers * PerWorker), stats.Aggregate(0UL, (sum, s) => sum + s.InferenceStats.Success.Count));
        Assert.All(stats, s => Assert.Equal(0UL, s.InferenceStats.Fail.Count));
        Assert.Equal("4", (await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None)).ModelVersion);
    }
}
