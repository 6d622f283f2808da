using System.Collections.Concurrent;
using ModelDock.Inference;
using ModelDock.Onnx;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Serving;
using ModelDock.Tensors;
using ModelDock.Testing;

namespace ModelDock.Core.Tests.Repository;

/// <summary>A temporary repository served in process whose backends the test can observe and hold.</summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private readonly ConcurrentQueue<ObservedBackend> _backends = new();

    public ServerHarness(bool strictReadiness = true, TimeSpan? pollInterval = null, TimeProvider? time = null)
    {
        Serving = new FolderServing(
            new ModelRepositoryOptions { RepositoryPath = Repository.Path, StrictReadiness = strictReadiness, PollInterval = pollInterval },
            (path, settings) =>
            {
                var backend = new ObservedBackend(path, OnnxModelBackend.Load(path, settings));
                _backends.Enqueue(backend);
                return backend;
            },
            time);
    }

    public TestModelRepository Repository { get; } = new();

    public FolderServing Serving { get; }

    /// <summary>The data plane: inference, metadata, readiness.</summary>
    public InferenceService Inference => Serving.Inference;

    /// <summary>The folder source: start, poll, load, unload, index, statistics.</summary>
    public FolderModelSource Source => Serving.Repository;

    /// <summary>Every backend created so far, in creation order (failed loads never get this far).</summary>
    public IReadOnlyList<ObservedBackend> Backends => _backends.ToList();

    public ObservedBackend BackendOf(string model, int version) =>
        Backends.Last(b => b.Path.Contains(Path.Combine(model, version.ToString(System.Globalization.CultureInfo.InvariantCulture)), StringComparison.Ordinal));

    public static InferenceRequest MlpRequest(string model, float[] input, int rows, int width, string? version = null, string? id = null) => new()
    {
        ModelName = model,
        ModelVersion = version,
        Id = id,
        Inputs = [Tensor.FromArray(DemoModels.MlpInput, DataType.Fp32, [rows, width], input)],
    };

    public async ValueTask DisposeAsync()
    {
        await Serving.DisposeAsync();
        Repository.Dispose();
    }
}

/// <summary>Wraps a real backend: records the batch sizes it ran, can hold runs until released, reports disposal.</summary>
internal sealed class ObservedBackend : IModelBackend
{
    private readonly IModelBackend _inner;
    private readonly ConcurrentQueue<long> _batchSizes = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _release = new(initialState: true);

    public ObservedBackend(string path, IModelBackend inner)
    {
        Path = path;
        _inner = inner;
    }

    public string Path { get; }

    public string Platform => _inner.Platform;

    public ModelSignature Signature => _inner.Signature;

    public IReadOnlyList<long> BatchSizes => _batchSizes.ToList();

    public Task Disposed => _disposed.Task;

    public bool IsDisposed => _disposed.Task.IsCompleted;

    /// <summary>Completes when a run starts while held.</summary>
    public Task Entered => _entered.Task;

    public void Hold() => _release.Reset();

    public void Release() => _release.Set();

    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        _batchSizes.Enqueue(inputs[0].Shape.Length > 0 ? inputs[0].Shape[0] : 1);
        if (!_release.IsSet)
        {
            _entered.TrySetResult();
            _release.Wait();
        }

        return _inner.Run(inputs, outputNames);
    }

    public void Dispose()
    {
        _inner.Dispose();
        _release.Dispose();
        _disposed.TrySetResult();
    }
}
