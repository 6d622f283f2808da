using Grpc.Core;
using ModelDock.Errors;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Shared;
using ModelDock.Serving;
using ModelDock.Tensors;
using InferStatistics = ModelDock.Server.Grpc.Protocol.InferStatistics;
using ProtoModelStatistics = ModelDock.Server.Grpc.Protocol.ModelStatistics;

namespace ModelDock.Server.Grpc;

/// <summary><c>inference.GRPCInferenceService</c>: translates messages and calls the model server, nothing else.</summary>
internal sealed class InferenceGrpcService : GRPCInferenceService.GRPCInferenceServiceBase
{
    private readonly IModelServer _server;
    private readonly TimeProvider _time;

    public InferenceGrpcService(IModelServer server, TimeProvider time)
    {
        _server = server;
        _time = time;
    }

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _server.IsReady });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = _server.IsModelReady(request.Name, VersionOrNull(request.Version)) });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = ServerInfo.Name, Version = ServerInfo.Version };
        response.Extensions.AddRange(ServerInfo.Extensions);
        return Task.FromResult(response);
    }

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var metadata = _server.GetMetadata(request.Name, VersionOrNull(request.Version));
        var response = new ModelMetadataResponse { Name = metadata.Name, Platform = metadata.Platform };
        response.Versions.AddRange(metadata.Versions);
        response.Inputs.AddRange(metadata.Inputs.Select(ToTensorMetadata));
        response.Outputs.AddRange(metadata.Outputs.Select(ToTensorMetadata));
        return Task.FromResult(response);
    }

    public override async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        var inference = GrpcInferCodec.ToRequest(request, RemainingTime(context.Deadline));
        var response = await _server.InferAsync(inference, context.CancellationToken);
        return GrpcInferCodec.ToResponse(response, raw: request.RawInputContents.Count > 0);
    }

    public override Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelConfigResponse
        {
            Config = GrpcModelConfig.ToMessage(_server.GetConfiguration(request.Name, VersionOrNull(request.Version))),
        });

    public override Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        var stats = _server.GetStatistics(string.IsNullOrEmpty(request.Name) ? null : request.Name, VersionOrNull(request.Version));
        var response = new ModelStatisticsResponse();
        foreach (var s in stats)
        {
            var model = new ProtoModelStatistics
            {
                Name = s.Name,
                Version = s.Version,
                LastInference = s.LastInference,
                InferenceCount = s.InferenceCount,
                ExecutionCount = s.ExecutionCount,
                InferenceStats = new InferStatistics
                {
                    Success = Duration(s.InferenceStats.Success),
                    Fail = Duration(s.InferenceStats.Fail),
                    Queue = Duration(s.InferenceStats.Queue),
                    ComputeInput = Duration(s.InferenceStats.ComputeInput),
                    ComputeInfer = Duration(s.InferenceStats.ComputeInfer),
                    ComputeOutput = Duration(s.InferenceStats.ComputeOutput),
                    CacheHit = new StatisticDuration(),
                    CacheMiss = new StatisticDuration(),
                },
            };
            model.BatchStats.AddRange(s.BatchStats.Select(b => new InferBatchStatistics
            {
                BatchSize = b.BatchSize,
                ComputeInput = Duration(b.ComputeInput),
                ComputeInfer = Duration(b.ComputeInfer),
                ComputeOutput = Duration(b.ComputeOutput),
            }));
            response.ModelStats.Add(model);
        }

        return Task.FromResult(response);
    }

    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        var response = new RepositoryIndexResponse();
        response.Models.AddRange(_server.GetRepositoryIndex(request.Ready).Select(e => new RepositoryIndexResponse.Types.ModelIndex
        {
            Name = e.Name,
            Version = e.Version ?? string.Empty,
            State = e.State,
            Reason = e.Reason,
        }));
        return Task.FromResult(response);
    }

    public override async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        RequireModelName(request.ModelName);
        RepositoryParameters.CheckLoad(request.ModelName, request.Parameters.Keys);
        await _server.LoadModelAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelLoadResponse();
    }

    public override async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        RequireModelName(request.ModelName);
        RepositoryParameters.CheckUnload(request.ModelName, request.Parameters.Keys);
        await _server.UnloadModelAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelUnloadResponse();
    }

    private TimeSpan? RemainingTime(DateTime deadline)
    {
        if (deadline == DateTime.MaxValue)
        {
            return null;
        }

        var remaining = deadline - _time.GetUtcNow().UtcDateTime;
        return remaining > TimeSpan.Zero
            ? remaining
            : throw new ModelDockException(ErrorKind.Timeout, "the call's deadline passed before inference started");
    }

    private static void RequireModelName(string model)
    {
        if (string.IsNullOrEmpty(model))
        {
            throw ModelDockException.InvalidInput("model_name is required");
        }
    }

    private static string? VersionOrNull(string version) => string.IsNullOrEmpty(version) ? null : version;

    private static StatisticDuration Duration(DurationStatistic d) => new() { Count = d.Count, Ns = d.Nanoseconds };

    private static ModelMetadataResponse.Types.TensorMetadata ToTensorMetadata(TensorSpec spec)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = spec.Name, Datatype = spec.DataType.ToWireName() };
        tensor.Shape.AddRange(spec.Shape);
        return tensor;
    }
}
