using ModelDock.Tensors;

namespace ModelDock.PayloadLog;

/// <summary>
/// One sampled request and its answer, as the payload log keeps it. The tensors are the record's own: inputs are
/// copied at capture, because REST binary tensors point into a pooled request body.
/// </summary>
/// <param name="Model">The name the caller used: a model or an endpoint.</param>
/// <param name="Version">The version that answered; null when the request failed before one was chosen.</param>
/// <param name="Deployment">The endpoint deployment that answered, or null for a plain model.</param>
/// <param name="Error">Null for an answer; for a failed request, its error kind as metrics label it (e.g. <c>invalid_input</c>), and no outputs.</param>
/// <param name="Bytes">The tensor bytes this record holds, charged to the buffer's budget until written.</param>
internal sealed record PayloadRecord(
    string RequestId,
    DateTimeOffset Timestamp,
    string Model,
    string? Version,
    string? Deployment,
    string? TraceId,
    double LatencySeconds,
    string? Error,
    IReadOnlyList<Tensor> Inputs,
    IReadOnlyList<Tensor> Outputs,
    long Bytes);
