namespace ModelDock.PayloadLog;

/// <summary>What the payload log holds for one model over a period.</summary>
/// <param name="Files">Parquet files read; 0 when the model has none.</param>
/// <param name="Failures">Records of failed requests by error kind (e.g. <c>invalid_input</c>), in name order.</param>
internal sealed record PayloadSummary(
    string Model,
    int Files,
    long Records,
    DateTimeOffset? First,
    DateTimeOffset? Last,
    IReadOnlyList<string> Versions,
    IReadOnlyDictionary<string, long> Failures,
    IReadOnlyList<TensorSummary> Tensors);

/// <summary>
/// One input or output over every record, its elements flattened: mean, min and max over the values that are not NaN
/// (null for BYTES tensors), the share of records without the tensor, and the share of its values that are NaN.
/// </summary>
internal sealed record TensorSummary(
    string Kind,
    string Name,
    string Type,
    long Values,
    double? Mean,
    double? Min,
    double? Max,
    double NullShare,
    double NanShare);
