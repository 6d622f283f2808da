using System.IO.Pipelines;

namespace ModelDock.Server.Admission;

/// <summary>
/// A request body reader that charges the <see cref="RequestMemoryBudget"/> for the most bytes the
/// request has held unconsumed at once: the whole body for readers that parse it in place (REST
/// inference), one message at a time for gRPC streams. The charge is released when the request ends.
/// </summary>
internal sealed class BudgetedBodyReader : PipeReader, IDisposable
{
    private readonly PipeReader _inner;
    private readonly RequestMemoryBudget _budget;
    private readonly Func<long, Exception> _exhausted;
    private long _charged;

    public BudgetedBodyReader(PipeReader inner, RequestMemoryBudget budget, Func<long, Exception> exhausted)
    {
        _inner = inner;
        _budget = budget;
        _exhausted = exhausted;
    }

    /// <summary>Bytes this request holds against the budget.</summary>
    public long Charged => _charged;

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = _inner.ReadAsync(cancellationToken);
        if (!read.IsCompletedSuccessfully)
        {
            return ChargeAsync(read);
        }

        var result = read.Result;
        Charge(result);
        return new ValueTask<ReadResult>(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        Charge(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => _inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    public void Dispose()
    {
        _budget.Release(_charged);
        _charged = 0;
    }

    private async ValueTask<ReadResult> ChargeAsync(ValueTask<ReadResult> read)
    {
        var result = await read.ConfigureAwait(false);
        Charge(result);
        return result;
    }

    private void Charge(ReadResult result)
    {
        var held = result.Buffer.Length;
        if (held <= _charged)
        {
            return;
        }

        if (!_budget.TryReserve(held - _charged))
        {
            // Give the bytes back to the pipe, so the server can still drain the body and answer.
            _inner.AdvanceTo(result.Buffer.End);
            throw _exhausted(_budget.Capacity);
        }

        _charged = held;
    }
}
