using System.Globalization;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Repository;
using ModelDock.Tensors;

namespace ModelDock.Serving;

/// <summary>
/// The data plane over the <see cref="ServingTable"/>: each request leases the version it resolves to, is validated
/// against that version's signature, scheduled, named and classified, and counted in the version's statistics.
/// </summary>
internal sealed class InferenceService : IInferenceService
{
    private readonly ServingTable _table;
    private readonly TimeProvider _time;
    private readonly ServingMetrics? _metrics;

    public InferenceService(ServingTable table, TimeProvider time, ServingMetrics? metrics = null)
    {
        _table = table;
        _time = time;
        _metrics = metrics;
    }

    public bool IsReady => _table.IsReady;

    /// <summary>A model that assembles inputs from features lists what its clients send: entity keys and request-time inputs.</summary>
    public ModelMetadata GetMetadata(string model, string? version)
    {
        var entry = _table.Find(model);
        var serving = ServingTable.Resolve(entry, model, version);
        return new ModelMetadata(
            model,
            entry.Serving.Keys.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(),
            serving.Backend.Platform,
            serving.Features?.ClientInputs ?? serving.Signature.Inputs,
            serving.Signature.Outputs,
            serving.Config.MaxBatchSize);
    }

    public ModelConfiguration GetConfiguration(string model, string? version)
    {
        var serving = ServingTable.Resolve(_table.Find(model), model, version);
        var config = serving.Config;
        var batching = config.MaxBatchSize > 0 && config.DynamicBatching is { } d
            ? new DynamicBatchingConfiguration(
                d.PreferredBatchSizes,
                (long)d.MaxQueueDelay.TotalMicroseconds,
                config.ToSchedulerOptions().MaxQueueSize is var bound and < int.MaxValue ? bound : 0,
                (long)(d.DefaultTimeout?.TotalMicroseconds ?? 0))
            : null;
        return new ModelConfiguration(
            model,
            serving.Backend.Platform,
            "onnxruntime",
            config.MaxBatchSize,
            WithoutBatchDimension(serving.Signature.Inputs, config.MaxBatchSize),
            WithoutBatchDimension(serving.Signature.Outputs, config.MaxBatchSize),
            batching,
            config.InstanceCount,
            config.VersionPolicy.LatestCount,
            config.VersionPolicy.SpecificVersions);
    }

    public bool IsModelReady(string model, string? version)
    {
        var entry = _table.Current(model);
        if (entry is null || entry.Unloaded)
        {
            return false;
        }

        return version is null
            ? !entry.Serving.IsEmpty
            : RepositoryScanner.TryParseVersion(version, out var v) && entry.Serving.ContainsKey(v);
    }

    public async ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var span = Spans.StartInfer(request.ModelName);
        ServingVersion version;
        try
        {
            version = _table.Acquire(request.ModelName, request.ModelVersion);
        }
        catch (ModelDockException e)
        {
            SpanFailure.Record(span, e);
            _metrics?.RecordRejected(request, _metrics.LabelFor(request.ModelName, e.Kind), e.Kind);
            throw;
        }

        span?.SetTag(SpanAttributeNames.ModelVersion, version.VersionText);
        var start = _time.GetTimestamp();
        var outcome = ServingMetrics.Success;
        try
        {
            var toModel = request;
            IReadOnlyList<Tensor> featureOutputs = [];
            if (version.Features is { } assembler)
            {
                var assembled = await assembler.AssembleAsync(request, cancellationToken).ConfigureAwait(false);
                toModel = request.WithInputs(assembled.Inputs);
                featureOutputs = assembled.FeatureOutputs;
            }

            var outputNames = RequestValidator.Validate(toModel, version.Model, version.Signature, version.OutputNames, version.Config.MaxBatchSize);
            var result = await version.Scheduler
                .ScheduleAsync(toModel.Inputs, outputNames, request.Timeout ?? version.Config.DefaultTimeout, cancellationToken, request.RunInlineWhenIdle)
                .ConfigureAwait(false);
            version.Statistics.RecordSuccess(ElapsedNanoseconds(start), result.QueueNanoseconds);
            var outputs = Classify(Named(result.Outputs, outputNames), request.Outputs, version.Config.MaxBatchSize > 0);
            return new InferenceResponse
            {
                ModelName = version.Model,
                ModelVersion = version.VersionText,
                Id = request.Id,
                Outputs = featureOutputs.Count == 0 ? outputs : [.. outputs, .. featureOutputs],
            };
        }
        catch (ModelDockException e)
        {
            outcome = ServingMetrics.OutcomeOf(e.Kind);
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            SpanFailure.Record(span, e);
            throw;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            outcome = ServingMetrics.OutcomeOf(ErrorKind.Cancelled);
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            var cancelled = new ModelDockException(ErrorKind.Cancelled, "the request was cancelled by the caller", ex);
            SpanFailure.Record(span, cancelled);
            throw cancelled;
        }
        catch (Exception ex)
        {
            outcome = ServingMetrics.OutcomeOf(ErrorKind.Internal);
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            var fault = new ModelDockException(ErrorKind.Internal, $"model '{version.Model}' version {version.Version} failed: {ex.Message}", ex);
            SpanFailure.Record(span, fault);
            throw fault;
        }
        finally
        {
            _metrics?.RecordRequest(request, version.Model, version.VersionText, outcome, _time.GetElapsedTime(start));
            version.Release();
        }
    }

    /// <summary>Triton's config lists the dims of one row; the batch dimension is implied by max_batch_size.</summary>
    private static List<TensorSpec> WithoutBatchDimension(IReadOnlyList<TensorSpec> tensors, int maxBatchSize) =>
        maxBatchSize > 0 ? [.. tensors.Select(t => t with { Shape = t.Shape[1..] })] : [.. tensors];

    private long ElapsedNanoseconds(long start) => _time.GetElapsedTime(start).Ticks * 100;

    /// <summary>Outputs asked for with the classification extension become their top-k classes.</summary>
    private static IReadOnlyList<Tensor> Classify(IReadOnlyList<Tensor> outputs, IReadOnlyList<RequestedOutput> requested, bool batched)
    {
        // Every request passes here; a plain loop keeps the common case (no classification) allocation-free.
        Tensor[]? result = null;
        for (var r = 0; r < requested.Count; r++)
        {
            var asked = requested[r];
            if (asked.ClassCount > 0)
            {
                result ??= [.. outputs];
                var i = Array.FindIndex(result, o => o.Name == asked.Name);
                result[i] = Classification.TopK(result[i], asked.ClassCount, batched);
            }
        }

        return result ?? outputs;
    }

    private static IReadOnlyList<Tensor> Named(IReadOnlyList<Tensor> outputs, IReadOnlyList<string> names)
    {
        if (AreNamed(outputs, names))
        {
            return outputs;
        }

        var result = new Tensor[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            result[i] = outputs[i].Name == names[i] ? outputs[i] : outputs[i].WithName(names[i]);
        }

        return result;
    }

    private static bool AreNamed(IReadOnlyList<Tensor> outputs, IReadOnlyList<string> names)
    {
        for (var i = 0; i < outputs.Count; i++)
        {
            if (outputs[i].Name != names[i])
            {
                return false;
            }
        }

        return true;
    }
}
