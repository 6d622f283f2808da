using Grpc.Core;
using Microsoft.Extensions.Logging;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Server.Errors;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Shared;
using ModelDock.Serving;
using ModelDock.Tensors;
using InferStatistics = ModelDock.Server.Grpc.Protocol.InferStatistics;
using ProtoModelStatistics = ModelDock.Server.Grpc.Protocol.ModelStatistics;

namespace ModelDock.Server.Grpc;

/// <summary><c>inference.GRPCInferenceService</c>: translates messages and calls the data plane or the repository, nothing else.</summary>
internal sealed class InferenceGrpcService
{
    // Requests of one stream that may run at once; more wait for a slot, so a client cannot queue without bound.
    private const int StreamConcurrency = 64;

    private readonly IInferenceService _server;
    private readonly IModelRepositoryControl _repository;
    private readonly TimeProvider _time;
    private readonly ILogger<InferenceGrpcService> _logger;
    private readonly ServingMetrics _metrics;

    public InferenceGrpcService(IInferenceService server, IModelRepositoryControl repository, TimeProvider time, ILogger<InferenceGrpcService> logger, ServingMetrics metrics)
    {
        _server = server;
        _repository = repository;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    public Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _server.IsReady });

    public Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelReadyResponse { Ready = _server.IsModelReady(request.Name, VersionOrNull(request.Version)) });

    public Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = ServerInfo.Name, Version = ServerInfo.Version };
        response.Extensions.AddRange(ServerInfo.Extensions);
        return Task.FromResult(response);
    }

    public Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var metadata = _server.GetMetadata(request.Name, VersionOrNull(request.Version));
        var response = new ModelMetadataResponse { Name = metadata.Name, Platform = metadata.Platform };
        response.Versions.AddRange(metadata.Versions);
        response.Inputs.AddRange(metadata.Inputs.Select(ToTensorMetadata));
        response.Outputs.AddRange(metadata.Outputs.Select(ToTensorMetadata));
        return Task.FromResult(response);
    }

    public async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        InferenceRequest inference;
        try
        {
            inference = WithRouting(GrpcInferCodec.ToRequest(request, RemainingTime(context.Deadline), awaitedAlone: true), context);
        }
        catch (Exception e)
        {
            // The inference service counts what reaches it; a message that never became a request is counted here.
            _metrics.RecordRefused(InferenceProtocol.Grpc, request.ModelName, ErrorMapping.Classify(e).Kind);
            throw;
        }

        var response = await _server.InferAsync(inference, context.CancellationToken);
        if (response.Parameters.TryGetValue(EndpointRouter.DeploymentParameter, out var deployment))
        {
            await context.WriteResponseHeadersAsync(new Metadata { { EndpointRouter.DeploymentHeader, (string)deployment } });
        }

        return GrpcInferCodec.ToResponse(response, raw: request.RawInputContents.Count > 0);
    }

    /// <summary>
    /// Triton's streaming inference: every request on the stream runs as it arrives, side by side
    /// (so they batch like separate calls), and each answer is written when it is ready, in
    /// completion order; clients match answers to requests by id. A failed request answers with
    /// <c>error_message</c> and the stream stays open.
    /// </summary>
    public async Task ModelStreamInfer(
        IAsyncStreamReader<ModelInferRequest> requestStream,
        IServerStreamWriter<ModelStreamInferResponse> responseStream,
        ServerCallContext context)
    {
        using var slots = new SemaphoreSlim(StreamConcurrency, StreamConcurrency);
        using var writer = new SemaphoreSlim(1, 1);
        var running = new List<Task>();
        try
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await slots.WaitAsync(context.CancellationToken);
                running.RemoveAll(static t => t.IsCompleted);
                running.Add(AnswerAsync(request));
            }
        }
        finally
        {
            // The semaphores must outlive every answer, also when the client leaves mid-stream.
            await Task.WhenAll(running);
        }

        async Task AnswerAsync(ModelInferRequest request)
        {
            ModelStreamInferResponse answer;
            try
            {
                // A stream's requests are answered side by side, so they are batched, never run on the reading thread.
                var inference = WithRouting(GrpcInferCodec.ToRequest(request, RemainingTime(context.Deadline), awaitedAlone: false), context);
                var response = await _server.InferAsync(inference, context.CancellationToken);
                answer = new ModelStreamInferResponse { InferResponse = GrpcInferCodec.ToResponse(response, raw: request.RawInputContents.Count > 0) };
            }
            catch (Exception e) when (!context.CancellationToken.IsCancellationRequested)
            {
                var (kind, message) = ErrorMapping.Classify(e);
                ErrorLog.Failed(_logger, $"{context.Method} for model {request.ModelName}", kind, message, e);

                answer = new ModelStreamInferResponse { ErrorMessage = message };
            }
            finally
            {
                slots.Release();
            }

            try
            {
                await writer.WaitAsync(context.CancellationToken);
                try
                {
                    await responseStream.WriteAsync(answer, context.CancellationToken);
                }
                finally
                {
                    writer.Release();
                }
            }
            catch (Exception) when (context.CancellationToken.IsCancellationRequested)
            {
                // The client has gone; nobody is left to answer.
            }
        }
    }

    public Task<ModelConfigResponse> ModelConfig(ModelConfigRequest request, ServerCallContext context) =>
        Task.FromResult(new ModelConfigResponse
        {
            Config = GrpcModelConfig.ToMessage(_server.GetConfiguration(request.Name, VersionOrNull(request.Version))),
        });

    public Task<ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        var stats = _repository.GetStatistics(string.IsNullOrEmpty(request.Name) ? null : request.Name, VersionOrNull(request.Version));
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

    public Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        var response = new RepositoryIndexResponse();
        response.Models.AddRange(_repository.GetRepositoryIndex(request.Ready).Select(e => new RepositoryIndexResponse.Types.ModelIndex
        {
            Name = e.Name,
            Version = e.Version ?? string.Empty,
            State = e.State,
            Reason = e.Reason,
        }));
        return Task.FromResult(response);
    }

    public async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        RequireModelName(request.ModelName);
        RepositoryParameters.CheckLoad(request.ModelName, request.Parameters.Keys);
        await _repository.LoadModelAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelLoadResponse();
    }

    public async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        RequireModelName(request.ModelName);
        RepositoryParameters.CheckUnload(request.ModelName, request.Parameters.Keys);
        await _repository.UnloadModelAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelUnloadResponse();
    }

    /// <summary>The call's deployment pin and, for an endpoint with a sticky header, that header's value; a stream's apply to each of its requests.</summary>
    private InferenceRequest WithRouting(InferenceRequest inference, ServerCallContext context)
    {
        var headers = context.RequestHeaders;
        var pinned = headers.GetValue(EndpointRouter.DeploymentHeader) is { Length: > 0 } deployment ? deployment : null;
        var routingKey = _server.RoutingHeader(inference.ModelName) is { } keyHeader && headers.GetValue(keyHeader) is { Length: > 0 } key ? key : null;
        return pinned is null && routingKey is null ? inference : inference.WithRouting(pinned, routingKey);
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
