using Grpc.Core;
using ModelDock.Onnx;
using ModelDock.Server.Grpc.Health;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Tests.Infrastructure;
using Xunit;

namespace ModelDock.Server.Tests.Grpc;

/// <summary>Health, metadata, repository and statistics RPCs.</summary>
[Collection(ServerCollection.Name)]
public sealed class GrpcControlTests
{
    private readonly ServerFixture _server;

    public GrpcControlTests(ServerFixture server)
    {
        _server = server;
    }

    [Fact]
    public async Task ServerLiveAndReady_LoadedServer_AreTrue()
    {
        Assert.True((await _server.Grpc.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await _server.Grpc.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }

    [Fact]
    public async Task HealthCheck_ReadyServer_IsServingAndUnknownServiceIsNotFound()
    {
        var health = new Health.HealthClient(_server.Channel);

        var whole = await health.CheckAsync(new HealthCheckRequest());
        var inference = await health.CheckAsync(new HealthCheckRequest { Service = "inference.GRPCInferenceService" });
        var unknown = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "other" }).ResponseAsync);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, whole.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, inference.Status);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ModelReady_KnownVersionTrue_UnknownFalse()
    {
        Assert.True((await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.Versioned, Version = "2" })).Ready);
        Assert.False((await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.Versioned, Version = "5" })).Ready);
        Assert.False((await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "nope" })).Ready);
    }

    [Fact]
    public async Task ServerMetadata_ReportsNameAndExtensions()
    {
        var metadata = await _server.Grpc.ServerMetadataAsync(new ServerMetadataRequest());

        Assert.Equal("modeldock", metadata.Name);
        Assert.Contains("binary_tensor_data", metadata.Extensions);
        Assert.Contains("model_repository", metadata.Extensions);
    }

    [Fact]
    public async Task ModelMetadata_TwoInputModel_ReportsSignatureAndUnknownIsNotFound()
    {
        var metadata = await _server.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = ServerFixture.TwoInput });
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "nope" }).ResponseAsync);

        Assert.Equal("onnx_onnxv1", metadata.Platform);
        Assert.Equal(["1"], metadata.Versions);
        Assert.Equal([DemoModels.TwoInputIds, DemoModels.TwoInputValues], metadata.Inputs.Select(i => i.Name).ToArray());
        Assert.Equal(["INT64", "FP32"], metadata.Inputs.Select(i => i.Datatype).ToArray());
        Assert.Equal([-1L, DemoModels.TwoInputWidth], metadata.Inputs[0].Shape);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ModelConfig_DynamicallyBatchedModel_ReportsTritonConfigAndUnknownIsNotFound()
    {
        var response = await _server.Grpc.ModelConfigAsync(new ModelConfigRequest { Name = ServerFixture.Slow });
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelConfigAsync(new ModelConfigRequest { Name = "nope" }).ResponseAsync);

        var config = response.Config;
        Assert.Equal(ServerFixture.Slow, config.Name);
        Assert.Equal(1, config.MaxBatchSize);
        Assert.Equal(1u, config.VersionPolicy.Latest.NumVersions);
        Assert.Equal(ModelDataType.TypeFp32, config.Input[0].DataType);
        Assert.Equal([2L], config.Input[0].Dims);
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.DynamicBatching, config.SchedulingChoiceCase);
        Assert.Equal(1u, config.DynamicBatching.DefaultQueuePolicy.MaxQueueSize);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, config.InstanceGroup[0].Kind);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public void ModelConfigMessages_UseTritonsFieldNumbers()
    {
        // The numbers are the wire contract with tritonclient and perf_analyzer (model_config.proto).
        Assert.Equal(
            [("name", 1), ("platform", 2), ("backend", 17), ("version_policy", 3), ("max_batch_size", 4), ("input", 5), ("output", 6), ("dynamic_batching", 11), ("instance_group", 7), ("parameters", 14)],
            ModelConfig.Descriptor.Fields.InDeclarationOrder().Select(f => (f.Name, f.FieldNumber)).ToArray());
        Assert.Equal(
            [("name", 1), ("data_type", 2), ("format", 3), ("dims", 4)],
            ModelInput.Descriptor.Fields.InDeclarationOrder().Select(f => (f.Name, f.FieldNumber)).ToArray());
        Assert.Equal(
            [("preferred_batch_size", 1), ("max_queue_delay_microseconds", 2), ("default_queue_policy", 6)],
            ModelDynamicBatching.Descriptor.Fields.InDeclarationOrder().Select(f => (f.Name, f.FieldNumber)).ToArray());
        Assert.Equal(11, (int)ModelDataType.TypeFp32);
        Assert.Equal(13, (int)ModelDataType.TypeString);
    }

    [Fact]
    public async Task Repository_UnloadThenLoad_ChangesIndexAndReadiness()
    {
        await _server.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = ServerFixture.Spare });
        var unloaded = await _server.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest());
        var readyOnly = await _server.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true });
        Assert.False((await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.Spare })).Ready);

        await _server.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = ServerFixture.Spare });

        Assert.Contains(unloaded.Models, m => m.Name == ServerFixture.Spare && m.State == "UNAVAILABLE");
        Assert.DoesNotContain(readyOnly.Models, m => m.Name == ServerFixture.Spare);
        Assert.True((await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.Spare })).Ready);
    }

    [Fact]
    public async Task Repository_UnloadModelNotLoaded_SucceedsAndMetadataAndInferAnswerUnavailable()
    {
        await _server.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = ServerFixture.Spare });

        await _server.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = ServerFixture.Spare });
        var ready = await _server.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.Spare });
        var metadata = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = ServerFixture.Spare }).ResponseAsync);
        var infer = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Grpc.ModelInferAsync(new ModelInferRequest { ModelName = ServerFixture.Spare }).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "nope" }).ResponseAsync);
        await _server.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = ServerFixture.Spare });

        Assert.False(ready.Ready);
        Assert.Equal(StatusCode.Unavailable, metadata.StatusCode);
        Assert.Equal(StatusCode.Unavailable, infer.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Repository_BadLoadRequests_MapToStatusCodes()
    {
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "nope" }).ResponseAsync);
        var withConfig = new RepositoryModelLoadRequest { ModelName = ServerFixture.Spare };
        withConfig.Parameters["config"] = new ModelRepositoryParameter { StringParam = "{}" };
        var config = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.RepositoryModelLoadAsync(withConfig).ResponseAsync);
        var empty = await Assert.ThrowsAsync<RpcException>(() =>
            _server.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest()).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, config.StatusCode);
        Assert.Contains("'config'", config.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
    }

    [Fact]
    public async Task ModelStatistics_AfterOneInference_CountsIt()
    {
        var query = new ModelStatisticsRequest { Name = ServerFixture.NoBatch, Version = "1" };
        var before = (await _server.Grpc.ModelStatisticsAsync(query)).ModelStats.Single();
        await _server.Grpc.ModelInferAsync(GrpcInferTests.NoBatchRequest());

        var after = (await _server.Grpc.ModelStatisticsAsync(query)).ModelStats.Single();
        var all = await _server.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest());
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _server.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "nope" }).ResponseAsync);

        Assert.Equal(before.InferenceStats.Success.Count + 1, after.InferenceStats.Success.Count);
        Assert.Equal(before.ExecutionCount + 1, after.ExecutionCount);
        Assert.Contains(all.ModelStats, s => s.Name == ServerFixture.Mlp);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }
}
