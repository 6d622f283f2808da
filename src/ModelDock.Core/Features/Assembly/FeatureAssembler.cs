using System.Globalization;
using System.Text;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Features.Assembly;

/// <summary>
/// A model version's feature assembly, built when the version loads: turns a request that carries entity keys (and
/// any request-time inputs) into the model's inputs, reading each entity's features once per request however many
/// rows repeat it, all entities' reads started together. The plan is re-checked when the served definitions change.
/// </summary>
internal sealed class FeatureAssembler
{
    /// <summary>The request parameter that adds the assembled inputs to the response as outputs named <see cref="FeatureOutputPrefix"/> + input.</summary>
    public const string ReturnFeaturesParameter = "return_features";

    public const string FeatureOutputPrefix = "features.";

    private readonly string _model;
    private readonly FeatureDeclaration _declaration;
    private readonly ModelSignature _signature;
    private readonly int _maxBatchSize;
    private readonly IModelFeatureSource _source;
    private readonly HashSet<string> _assembled;
    private FeatureAssemblyPlan _plan;

    private FeatureAssembler(string model, FeatureDeclaration declaration, ModelSignature signature, int maxBatchSize, IModelFeatureSource source, FeatureAssemblyPlan plan)
    {
        _model = model;
        _declaration = declaration;
        _signature = signature;
        _maxBatchSize = maxBatchSize;
        _source = source;
        _plan = plan;
        _assembled = [.. plan.Inputs.Select(i => i.Name)];
        var entityInputs = plan.Entities.Select(e => e.ModelInput ?? new TensorSpec(e.Input, e.DataType, [-1])).ToList();
        ClientInputs = [.. entityInputs, .. signature.Inputs.Where(s => !_assembled.Contains(s.Name) && !entityInputs.Any(e => e.Name == s.Name))];
    }

    /// <summary>What a client sends: the entity keys, then the model's inputs that are not assembled (request-time features).</summary>
    public IReadOnlyList<TensorSpec> ClientInputs { get; }

    /// <summary>Checks the declaration against the served definitions and the signature; a problem is a <see cref="ModelConfigException"/>.</summary>
    public static FeatureAssembler Create(string model, FeatureDeclaration declaration, ModelSignature signature, int maxBatchSize, IModelFeatureSource? source)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        if (source is null)
        {
            throw new ModelConfigException(
                $"{declaration.Origin}: key 'modeldock.features' declares inputs built from features, but this server serves no feature definitions (apply them with 'modeldock features apply')");
        }

        return new FeatureAssembler(model, declaration, signature, maxBatchSize, source, FeatureAssemblyPlan.Create(declaration, signature, maxBatchSize, source));
    }

    /// <summary>
    /// The model's inputs for <paramref name="request"/>, and the assembled ones again as outputs when the request asks
    /// for them. A client mistake or a missing feature under <c>fail</c> is InvalidInput; a store that is down, Unavailable.
    /// </summary>
    public async ValueTask<AssembledRequest> AssembleAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        var returnFeatures = ReturnFeatures(request);
        var plan = CurrentPlan();
        using var span = Spans.StartAssemble(_model);
        try
        {
            var rows = CheckInputs(request, plan, out var keyTensors);
            var keys = new EntityRows[plan.Entities.Count];
            for (var e = 0; e < keys.Length; e++)
            {
                keys[e] = EntityRows.Read(keyTensors[e], plan.Entities[e], rows);
            }

            var reads = await ReadAsync(plan, keys, cancellationToken).ConfigureAwait(false);
            var inputs = new List<Tensor>(_signature.Inputs.Count);
            foreach (var input in request.Inputs)
            {
                if (!IsEntityInput(plan, input.Name) || plan.Entities.Any(e => e.Input == input.Name && e.ModelInput is not null))
                {
                    inputs.Add(input);
                }
            }

            Tensor[]? features = returnFeatures ? new Tensor[plan.Inputs.Count] : null;
            for (var i = 0; i < plan.Inputs.Count; i++)
            {
                var tensor = Build(plan, plan.Inputs[i], keys, reads, rows);
                inputs.Add(tensor);
                if (features is not null)
                {
                    features[i] = tensor.WithName(FeatureOutputPrefix + tensor.Name);
                }
            }

            return new AssembledRequest(inputs, features ?? []);
        }
        catch (ModelDockException e) when (e.Kind == ErrorKind.Unavailable)
        {
            // A store's own message may name its file or address; the client learns only that features are down.
            var unavailable = new ModelDockException(ErrorKind.Unavailable, $"the online feature store is unavailable, so model '{_model}' cannot assemble its inputs; try again later", e);
            SpanFailure.Record(span, unavailable);
            throw unavailable;
        }
        catch (Exception e)
        {
            SpanFailure.Record(span, e);
            throw;
        }
    }

    /// <summary>The plan for the definitions served now: checked again once, when they change.</summary>
    private FeatureAssemblyPlan CurrentPlan()
    {
        var plan = Volatile.Read(ref _plan);
        if (ReferenceEquals(plan.Definitions, _source.Definitions))
        {
            return plan;
        }

        try
        {
            plan = FeatureAssemblyPlan.Create(_declaration, _signature, _maxBatchSize, _source);
        }
        catch (ModelConfigException e)
        {
            throw ModelDockException.Unavailable($"model '{_model}' cannot assemble its inputs from the feature definitions served now: {AfterOrigin(e.Message)}");
        }

        Volatile.Write(ref _plan, plan);
        return plan;
    }

    private static bool ReturnFeatures(InferenceRequest request) =>
        !request.Parameters.TryGetValue(ReturnFeaturesParameter, out var value) || value is false
            ? false
            : value is true ? true : throw ModelDockException.InvalidInput($"parameter '{ReturnFeaturesParameter}' must be true or false, not {value}");

    /// <summary>Checks which inputs the client sent and returns the number of rows the entity keys give.</summary>
    private int CheckInputs(InferenceRequest request, FeatureAssemblyPlan plan, out Tensor[] keyTensors)
    {
        keyTensors = new Tensor[plan.Entities.Count];
        foreach (var input in request.Inputs)
        {
            if (_assembled.Contains(input.Name))
            {
                throw ModelDockException.InvalidInput(
                    $"input '{input.Name}' of model '{_model}' is assembled by the server from features; send only {string.Join(", ", ClientInputs)}");
            }

            if (!ClientInputs.Any(c => c.Name == input.Name))
            {
                throw ModelDockException.InvalidInput($"input '{input.Name}' is not an input of model '{_model}'; expected {string.Join(", ", ClientInputs)}");
            }
        }

        long rows = -1;
        for (var e = 0; e < plan.Entities.Count; e++)
        {
            var entity = plan.Entities[e];
            var tensor = request.Inputs.FirstOrDefault(i => i.Name == entity.Input)
                ?? throw ModelDockException.InvalidInput(
                    $"input '{entity.Input}' of model '{_model}' is missing: it carries the '{entity.JoinKey.Name}' key of each row; the model needs {string.Join(", ", ClientInputs)}");
            if (tensor.DataType != entity.DataType)
            {
                throw ModelDockException.InvalidInput($"input '{entity.Input}' has datatype {tensor.DataType.ToWireName()} but model '{_model}' expects {entity.DataType.ToWireName()}");
            }

            var shape = tensor.Shape;
            if (!(shape.Length == 1 || (shape.Length == 2 && shape[1] == 1)) || shape[0] < 1 || shape[0] > _maxBatchSize)
            {
                throw ModelDockException.InvalidInput(
                    $"input '{entity.Input}' has shape {SignatureResolver.Format(shape)}; entity keys are one per row, shape [N] or [N,1] with N from 1 to {_maxBatchSize} (max_batch_size)");
            }

            if (rows >= 0 && shape[0] != rows)
            {
                throw ModelDockException.InvalidInput($"input '{entity.Input}' has {shape[0]} rows but input '{plan.Entities[0].Input}' has {rows}; every entity key needs one value per row");
            }

            rows = shape[0];
            var carried = tensor.DataType == DataType.Bytes ? tensor.BytesElements?.Count ?? 0 : tensor.Data.Length / tensor.DataType.ElementSize();
            if (carried != rows || (tensor.DataType != DataType.Bytes && tensor.Data.Length % tensor.DataType.ElementSize() != 0))
            {
                throw ModelDockException.InvalidInput($"input '{entity.Input}' has shape {SignatureResolver.Format(shape)} but carries {carried} values");
            }

            keyTensors[e] = tensor;
        }

        return (int)rows;
    }

    /// <summary>One read per entity, all started before any is awaited, each for the entity's distinct keys only.</summary>
    private async ValueTask<OnlineFeaturesResponse[]> ReadAsync(FeatureAssemblyPlan plan, EntityRows[] keys, CancellationToken cancellationToken)
    {
        var responses = new OnlineFeaturesResponse[plan.Groups.Count];
        if (responses.Length == 1)
        {
            responses[0] = await _source.GetOnlineFeaturesAsync(Request(plan, plan.Groups[0], keys), cancellationToken).ConfigureAwait(false);
            return responses;
        }

        var pending = new Task<OnlineFeaturesResponse>[responses.Length];
        for (var g = 0; g < pending.Length; g++)
        {
            pending[g] = _source.GetOnlineFeaturesAsync(Request(plan, plan.Groups[g], keys), cancellationToken).AsTask();
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch
        {
            // WhenAll's exception is the first failure; rethrow it as the read failed, not as an AggregateException.
        }

        for (var g = 0; g < pending.Length; g++)
        {
            responses[g] = await pending[g].ConfigureAwait(false);
        }

        return responses;
    }

    private static OnlineFeaturesRequest Request(FeatureAssemblyPlan plan, PlannedGroup group, EntityRows[] keys)
    {
        var entity = plan.Entities[group.Entity];
        return OnlineFeaturesRequest.ForFeatures(group.Features, [new ValueColumn(entity.JoinKey.Name, keys[group.Entity].Distinct)], fullFeatureNames: true);
    }

    private Tensor Build(FeatureAssemblyPlan plan, PlannedInput input, EntityRows[] keys, OnlineFeaturesResponse[] reads, int rows) =>
        AssembledInputs.Build(
            input,
            rows,
            (r, feature) =>
            {
                var read = reads[feature.Group];
                var distinct = keys[plan.Groups[feature.Group].Entity].DistinctIndex[r];
                var column = read.JoinKeyCount + feature.Column;
                var status = read.GetStatus(column, distinct);
                return new FeatureCell(status, status == FeatureStatus.Present ? read.GetValue(column, distinct) : default);
            },
            missing =>
            {
                var group = plan.Groups[missing.Feature.Group];
                var entity = plan.Entities[group.Entity];
                var entityRows = keys[group.Entity];
                throw ModelDockException.InvalidInput(
                    $"feature '{missing.Feature.Reference}' has no value for {entity.JoinKey.Name} {Describe(entityRows.Distinct[entityRows.DistinctIndex[missing.Row]])} (row {missing.Row}, {missing.Status.ToWireName()}), and input '{missing.Input.Name}' of model '{_model}' requires it (on_missing: fail)");
            });

    private static bool IsEntityInput(FeatureAssemblyPlan plan, string name) => plan.Entities.Any(e => e.Input == name);

    private static string Describe(FeatureValue key) =>
        key.Kind == FeatureValueKind.String ? $"\"{key.AsString()}\"" : key.ToString();

    /// <summary>A load error names the config file first; a request's error names the model instead.</summary>
    private static string AfterOrigin(string message) =>
        message.IndexOf(": key '", StringComparison.Ordinal) is var at and >= 0 ? message[(at + 2)..] : message;

    /// <summary>One entity's keys as the request gives them: the distinct ones, and which of them each row has.</summary>
    private sealed class EntityRows
    {
        private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        private EntityRows(List<FeatureValue> distinct, int[] distinctIndex)
        {
            Distinct = distinct;
            DistinctIndex = distinctIndex;
        }

        public List<FeatureValue> Distinct { get; }

        public int[] DistinctIndex { get; }

        public static EntityRows Read(Tensor tensor, PlannedEntity entity, int rows)
        {
            var distinct = new List<FeatureValue>();
            var seen = new Dictionary<FeatureValue, int>();
            var index = new int[rows];
            for (var r = 0; r < rows; r++)
            {
                var key = KeyAt(tensor, entity, r);
                if (!seen.TryGetValue(key, out var at))
                {
                    at = distinct.Count;
                    seen.Add(key, at);
                    distinct.Add(key);
                }

                index[r] = at;
            }

            return new EntityRows(distinct, index);
        }

        private static FeatureValue KeyAt(Tensor tensor, PlannedEntity entity, int row)
        {
            switch (tensor.DataType)
            {
                case DataType.Int64:
                    return FeatureValue.FromInt64(tensor.AsSpan<long>()[row]);
                case DataType.Int32:
                    var value = tensor.AsSpan<int>()[row];
                    return entity.JoinKey.ValueType == FeatureValueType.Int32 ? FeatureValue.FromInt32(value) : FeatureValue.FromInt64(value);
                default:
                    try
                    {
                        return FeatureValue.FromString(StrictUtf8.GetString(tensor.BytesElements![row]));
                    }
                    catch (DecoderFallbackException)
                    {
                        throw ModelDockException.InvalidInput(
                            $"input '{entity.Input}' row {row.ToString(CultureInfo.InvariantCulture)} is not valid UTF-8; '{entity.JoinKey.Name}' keys are text");
                    }
            }
        }

    }
}

/// <summary>A request's inputs after assembly, and the assembled ones as outputs when the request asked for them.</summary>
internal sealed record AssembledRequest(IReadOnlyList<Tensor> Inputs, IReadOnlyList<Tensor> FeatureOutputs);
