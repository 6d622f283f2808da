using System.Text;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Onnx;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Repository;

public sealed class FolderServingTests
{
    private const string Mlp = "mlp";
    private const string Pair = "pair";
    private static readonly int[] MlpSizes = [8, 16, 4];

    [Fact]
    public async Task InferAsync_LoadedMlp_MatchesReferenceAndEchoesId()
    {
        await using var h = new ServerHarness();
        var model = DemoModels.Mlp(MlpSizes, seed: 1);
        h.Repository.AddVersion(Mlp, 1, model.Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8}""");
        await h.Source.StartAsync(CancellationToken.None);
        var input = ReferenceMath.RandomInputs(3 * 8, seed: 2);

        var response = await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 3, 8, id: "req-7"), CancellationToken.None);

        Assert.True(h.Inference.IsReady);
        Assert.Equal((Mlp, "1", "req-7"), (response.ModelName, response.ModelVersion, response.Id));
        var output = Assert.Single(response.Outputs);
        Assert.Equal(DemoModels.MlpOutput, output.Name);
        Assert.Equal(new long[] { 3, 4 }, output.Shape);
        AssertClose(ReferenceMath.MlpForward(model.LayerSizes, model.Weights, model.Biases, input, 3), output.AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task GetMetadata_BatchingModel_ReportsPlatformVersionsAndBatchDimension()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        h.Repository.AddVersion(Mlp, 2, DemoModels.Mlp(MlpSizes, seed: 2).Onnx);
        File.WriteAllText(Path.Combine(h.Repository.Path, Mlp, "config.yaml"), "max_batch_size: 8\nversion_policy:\n  all: {}\ninput:\n  - name: input\n    dims: [8]\n");
        await h.Source.StartAsync(CancellationToken.None);

        var metadata = h.Inference.GetMetadata(Mlp, null);

        Assert.Equal("onnx_onnxv1", metadata.Platform);
        Assert.Equal(["1", "2"], metadata.Versions);
        Assert.Equal(8, metadata.MaxBatchSize);
        Assert.Equal(new long[] { -1, 8 }, Assert.Single(metadata.Inputs).Shape);
        Assert.Equal(new long[] { -1, 4 }, Assert.Single(metadata.Outputs).Shape);
        Assert.True(h.Inference.IsModelReady(Mlp, "1"));
        Assert.True(h.Inference.IsModelReady(Mlp, "2"));
        Assert.False(h.Inference.IsModelReady(Mlp, "3"));
    }

    [Fact]
    public async Task InferAsync_ExplicitOlderVersionUnderPolicyAll_RunsThatVersion()
    {
        await using var h = new ServerHarness();
        var v1 = DemoModels.Mlp(MlpSizes, seed: 1);
        h.Repository.AddVersion(Mlp, 1, v1.Onnx);
        h.Repository.AddVersion(Mlp, 2, DemoModels.Mlp(MlpSizes, seed: 2).Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "version_policy": {"all": {}}}""");
        await h.Source.StartAsync(CancellationToken.None);
        var input = ReferenceMath.RandomInputs(8, seed: 3);

        var response = await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 1, 8, version: "1"), CancellationToken.None);
        var latest = await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, input, 1, 8), CancellationToken.None);

        Assert.Equal("1", response.ModelVersion);
        Assert.Equal("2", latest.ModelVersion);
        AssertClose(ReferenceMath.MlpForward(v1.LayerSizes, v1.Weights, v1.Biases, input, 1), response.Outputs[0].AsSpan<float>().ToArray());
    }

    [Fact]
    public async Task Load_SpecificVersionPolicy_ServesOnlyListedVersions()
    {
        await using var h = new ServerHarness();
        for (var v = 1; v <= 3; v++)
        {
            h.Repository.AddVersion(Mlp, v, DemoModels.Mlp(MlpSizes, seed: v).Onnx);
        }

        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "version_policy": {"specific": {"versions": [1, 3]}}}""");
        await h.Source.StartAsync(CancellationToken.None);

        Assert.Equal(["1", "3"], h.Inference.GetMetadata(Mlp, null).Versions);
    }

    [Fact]
    public async Task InferAsync_BytesModel_UpperCasesUtf8Elements()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion("strings", 1, DemoModels.Strings());
        h.Repository.WriteConfig("strings", """{"max_batch_size": 4}""");
        await h.Source.StartAsync(CancellationToken.None);
        string[] texts = ["abc", "Mixed Case 42"];

        var response = await h.Inference.InferAsync(
            new InferenceRequest { ModelName = "strings", Inputs = [Tensor.FromBytes(DemoModels.StringsInput, [2, 1], texts.Select(Encoding.UTF8.GetBytes).ToArray())] },
            CancellationToken.None);

        Assert.Equal(texts.Select(ReferenceMath.AsciiUpper), response.Outputs[0].BytesElements!.Select(Encoding.UTF8.GetString));
    }

    public static TheoryData<string, Func<InferenceRequest>, string> InvalidRequests()
    {
        static Tensor Ids(long rows, int width = DemoModels.TwoInputWidth) =>
            Tensor.FromArray(DemoModels.TwoInputIds, DataType.Int64, [rows, width], new long[rows * width]);
        static Tensor Values(long rows, int width = DemoModels.TwoInputWidth) =>
            Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp32, [rows, width], new float[rows * width]);
        static InferenceRequest Request(params Tensor[] inputs) => new() { ModelName = Pair, Inputs = inputs };

        return new()
        {
            { "unknown input", () => Request(Ids(1), Values(1), Tensor.FromArray("extra", DataType.Fp32, [1], new float[1])), "input 'extra' is not an input of model 'pair'" },
            { "missing input", () => Request(Ids(1)), "input 'values' of model 'pair' is missing" },
            { "duplicate input", () => Request(Ids(1), Values(1), Values(1)), "input 'values' appears more than once" },
            { "wrong datatype", () => Request(Ids(1), Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp64, [1, 4], new double[4])), "input 'values' has datatype FP64 but the model expects FP32" },
            { "wrong rank", () => Request(Ids(1), Tensor.FromArray(DemoModels.TwoInputValues, DataType.Fp32, [4], new float[4])), "input 'values' has shape [4] with 1 dimensions but the model expects 2 dimensions [-1,4]" },
            { "wrong dimension", () => Request(Ids(1, 3), Values(1)), "input 'ids' has shape [1,3] but the model expects [-1,4]: dimension 1 must be 4, not 3" },
            { "byte length", () => Request(Ids(1), Tensor.FromRaw(DemoModels.TwoInputValues, DataType.Fp32, [1, 4], new byte[15])), "input 'values' has shape [1,4] (4 FP32 elements = 16 bytes) but carries 15 bytes" },
            { "batch too large", () => Request(Ids(5), Values(5)), "input 'ids' has batch size 5 but the model accepts 1 to 4" },
            { "batch zero", () => Request(Ids(0), Values(0)), "input 'ids' has batch size 0 but the model accepts 1 to 4" },
            { "batch mismatch", () => Request(Ids(2), Values(3)), "input 'values' has batch size 3 but input 'ids' has batch size 2" },
            { "negative dimension", () => Request(Tensor.FromRaw(DemoModels.TwoInputIds, DataType.Int64, [-1, 4], ReadOnlyMemory<byte>.Empty), Values(1)), "input 'ids' has shape [-1,4]; dimension 0 is negative" },
            { "unknown output", () => new InferenceRequest { ModelName = Pair, Inputs = [Ids(1), Values(1)], Outputs = [new RequestedOutput("sum")] }, "requested output 'sum' is not an output of model 'pair'" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task InferAsync_InvalidRequest_InvalidInputNamingTheTensor(string scenario, Func<InferenceRequest> request, string expected)
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Pair, 1, DemoModels.TwoInput());
        h.Repository.WriteConfig(Pair, """{"max_batch_size": 4}""");
        await h.Source.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(request(), CancellationToken.None));

        Assert.True(error.Kind == ErrorKind.InvalidInput, scenario);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InferAsync_BytesElementCountWrong_InvalidInputNamingTheInput()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion("strings", 1, DemoModels.Strings());
        h.Repository.WriteConfig("strings", """{"max_batch_size": 4}""");
        await h.Source.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(
            new InferenceRequest { ModelName = "strings", Inputs = [Tensor.FromBytes(DemoModels.StringsInput, [2, 1], [[1]])] },
            CancellationToken.None));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("input 'text' has shape [2,1] (2 elements) but carries 1 BYTES elements", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nope", null, "model 'nope' not found")]
    [InlineData(Pair, "3", "version '3' of model 'pair' not found")]
    [InlineData(Pair, "latest", "version 'latest' of model 'pair' not found")]
    public async Task InferAsync_UnknownModelOrVersion_NotFound(string model, string? version, string expected)
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Pair, 1, DemoModels.TwoInput());
        await h.Source.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(
            new InferenceRequest { ModelName = model, ModelVersion = version, Inputs = [] }, CancellationToken.None));

        Assert.Equal((ErrorKind.NotFound, expected), (error.Kind, error.Message));
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<ModelDockException>(() => h.Inference.GetMetadata(model, version)).Kind);
        Assert.False(h.Inference.IsModelReady(model, version));
    }

    [Fact]
    public async Task UnloadModelAsync_LoadedModel_UnavailableAfterwardsAndLoadBringsItBack()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8}""");
        await h.Source.StartAsync(CancellationToken.None);
        var request = ServerHarness.MlpRequest(Mlp, new float[8], 1, 8);

        await h.Source.UnloadModelAsync(Mlp, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(request, CancellationToken.None));
        Assert.Equal((ErrorKind.Unavailable, $"model '{Mlp}' is unloaded; load it through the model repository API"), (error.Kind, error.Message));
        Assert.False(h.Inference.IsModelReady(Mlp, null));
        Assert.Equal(new Serving.RepositoryIndexEntry(Mlp, null, "UNAVAILABLE", "unloaded"), Assert.Single(h.Source.GetRepositoryIndex(readyOnly: false)));
        await h.BackendOf(Mlp, 1).Disposed.WaitAsync(TimeSpan.FromSeconds(30));

        await h.Source.LoadModelAsync(Mlp, CancellationToken.None);

        Assert.Equal("1", (await h.Inference.InferAsync(request, CancellationToken.None)).ModelVersion);
    }

    [Fact]
    public async Task UnloadModelAsync_ModelNotLoaded_SucceedsAndEveryCallAgreesItIsUnavailable()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        await h.Source.StartAsync(CancellationToken.None);
        await h.Source.UnloadModelAsync(Mlp, CancellationToken.None);

        await h.Source.UnloadModelAsync(Mlp, CancellationToken.None);

        var infer = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None));
        Assert.Equal(ErrorKind.Unavailable, infer.Kind);
        Assert.Equal(ErrorKind.Unavailable, Assert.Throws<ModelDockException>(() => h.Inference.GetMetadata(Mlp, null)).Kind);
        Assert.Equal(ErrorKind.Unavailable, Assert.Throws<ModelDockException>(() => h.Inference.GetConfiguration(Mlp, null)).Kind);
        Assert.Equal(ErrorKind.Unavailable, Assert.Throws<ModelDockException>(() => h.Source.GetStatistics(Mlp, null)).Kind);
        Assert.Equal(new Serving.RepositoryIndexEntry(Mlp, null, "UNAVAILABLE", "unloaded"), Assert.Single(h.Source.GetRepositoryIndex(readyOnly: false)));
    }

    [Fact]
    public async Task UnloadModelAsync_ModelOnDiskNeverLoaded_SucceedsAndPollingLeavesItUnloaded()
    {
        await using var h = new ServerHarness();
        await h.Source.StartAsync(CancellationToken.None);
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        Assert.Equal(ErrorKind.Unavailable, Assert.Throws<ModelDockException>(() => h.Inference.GetMetadata(Mlp, null)).Kind);

        await h.Source.UnloadModelAsync(Mlp, CancellationToken.None);
        await h.Source.PollAsync(CancellationToken.None);

        Assert.False(h.Inference.IsModelReady(Mlp, null));
        Assert.Equal(new Serving.RepositoryIndexEntry(Mlp, null, "UNAVAILABLE", "unloaded"), Assert.Single(h.Source.GetRepositoryIndex(readyOnly: false)));
    }

    [Fact]
    public async Task UnloadModelAsync_NameNotInRepository_NotFound()
    {
        await using var h = new ServerHarness();
        await h.Source.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => h.Source.UnloadModelAsync("nope", CancellationToken.None));

        Assert.Equal((ErrorKind.NotFound, "model 'nope' not found in the model repository"), (error.Kind, error.Message));
    }

    [Fact]
    public async Task Start_OneModelWithInvalidConfig_OthersServeAndIndexNamesFileAndKey()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Pair, 1, DemoModels.TwoInput());
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        var configFile = h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "dynamic_batching": {"max_delay": 5}}""");
        await h.Source.StartAsync(CancellationToken.None);

        var broken = Assert.Single(h.Source.GetRepositoryIndex(readyOnly: false), e => e.Name == Mlp);
        Assert.Equal("UNAVAILABLE", broken.State);
        Assert.Contains(configFile, broken.Reason, StringComparison.Ordinal);
        Assert.Contains("'dynamic_batching.max_delay'", broken.Reason, StringComparison.Ordinal);
        Assert.Equal([(Pair, "1")], h.Source.GetRepositoryIndex(readyOnly: true).Select(e => (e.Name, e.Version)));
        Assert.True(h.Inference.IsModelReady(Pair, null));
        Assert.False(h.Inference.IsReady);
        var error = await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[8], 1, 8), CancellationToken.None));
        Assert.Equal(ErrorKind.Unavailable, error.Kind);
        Assert.Contains("'dynamic_batching.max_delay'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NonStrictReadinessWithBrokenModel_ServerIsReady()
    {
        await using var h = new ServerHarness(strictReadiness: false);
        h.Repository.WriteConfig(Mlp, "{}");
        await h.Source.StartAsync(CancellationToken.None);

        Assert.True(h.Inference.IsReady);
        Assert.Contains("no version folder", Assert.Single(h.Source.GetRepositoryIndex(false)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_BatchingConfigOnModelWithoutBatchDimension_VersionUnavailableWithReason()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion("fixed", 1, DemoModels.NoBatch());
        h.Repository.WriteConfig("fixed", """{"max_batch_size": 4}""");
        await h.Source.StartAsync(CancellationToken.None);

        var entry = Assert.Single(h.Source.GetRepositoryIndex(readyOnly: false));

        Assert.Equal(("1", "UNAVAILABLE"), (entry.Version, entry.State));
        Assert.Contains("input 'x' has shape [3,4]; its first dimension must be variable (-1)", entry.Reason, StringComparison.Ordinal);
        var error = await Assert.ThrowsAsync<ModelDockException>(() => h.Source.LoadModelAsync("fixed", CancellationToken.None));
        Assert.Contains("input 'x'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_ModelWarmupConfigured_RunsEachBatchSizeBeforeServing()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "model_warmup": [{"batch_size": 1}, {"batch_size": 8}]}""");

        await h.Source.StartAsync(CancellationToken.None);

        Assert.Equal([1L, 8L], h.BackendOf(Mlp, 1).BatchSizes);
    }

    [Fact]
    public async Task GetStatistics_SuccessesAndFailures_CountsMatchRequests()
    {
        await using var h = new ServerHarness();
        h.Repository.AddVersion(Mlp, 1, DemoModels.Mlp(MlpSizes, seed: 1).Onnx);
        h.Repository.WriteConfig(Mlp, """{"max_batch_size": 8, "model_warmup": []}""");
        await h.Source.StartAsync(CancellationToken.None);
        int[] batches = [1, 3, 8, 2];
        foreach (var rows in batches)
        {
            await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[rows * 8], rows, 8), CancellationToken.None);
        }

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<ModelDockException>(async () => await h.Inference.InferAsync(ServerHarness.MlpRequest(Mlp, new float[7], 1, 7), CancellationToken.None));
        }

        var stats = Assert.Single(h.Source.GetStatistics(Mlp, null));

        Assert.Equal(("1", 4UL, 3UL), (stats.Version, stats.InferenceStats.Success.Count, stats.InferenceStats.Fail.Count));
        Assert.Equal(4UL, stats.InferenceStats.Queue.Count);
        Assert.Equal((14UL, 4UL), (stats.InferenceCount, stats.ExecutionCount));
        Assert.Equal(batches.Order().Select(b => (ulong)b), stats.BatchStats.Select(b => b.BatchSize));
        Assert.Equal(stats, Assert.Single(h.Source.GetStatistics(Mlp, "1")) with { BatchStats = stats.BatchStats });
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<ModelDockException>(() => h.Source.GetStatistics(Mlp, "2")).Kind);
    }

    internal static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], tolerance: 1e-5);
        }
    }
}
