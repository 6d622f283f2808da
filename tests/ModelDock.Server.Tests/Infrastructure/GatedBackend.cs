using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>Runs the real backend, but only while the gate is open: lets tests fill a queue or pass a deadline.</summary>
internal sealed class GatedBackend : IModelBackend
{
    private readonly IModelBackend _inner;
    private readonly ManualResetEventSlim _gate;
    private readonly SemaphoreSlim _entered;

    public GatedBackend(IModelBackend inner, ManualResetEventSlim gate, SemaphoreSlim entered)
    {
        _inner = inner;
        _gate = gate;
        _entered = entered;
    }

    public string Platform => _inner.Platform;

    public ModelSignature Signature => _inner.Signature;

    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        _entered.Release();
        _gate.Wait(TimeSpan.FromSeconds(30));
        return _inner.Run(inputs, outputNames);
    }

    public void Dispose() => _inner.Dispose();
}
