using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>Runs the real backend, but only while the gate is open: lets tests fill a queue or pass a deadline.</summary>
internal sealed class GatedBackend : IModelBackend
{
    private readonly IModelBackend _inner;
    private readonly ManualResetEventSlim _gate;

    public GatedBackend(IModelBackend inner, ManualResetEventSlim gate)
    {
        _inner = inner;
        _gate = gate;
    }

    public string Platform => _inner.Platform;

    public ModelSignature Signature => _inner.Signature;

    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        _gate.Wait(TimeSpan.FromSeconds(30));
        return _inner.Run(inputs, outputNames);
    }

    public void Dispose() => _inner.Dispose();
}
