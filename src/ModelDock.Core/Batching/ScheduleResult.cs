using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// The outputs of one scheduled request and how long it waited before its execution started, which
/// the model server reports as queue time in the statistics.
/// </summary>
public readonly record struct ScheduleResult(IReadOnlyList<Tensor> Outputs, long QueueNanoseconds);
