using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Bench.Serving.Load;
using ModelDock.Bench.Serving.Servers;
using ModelDock.Inference;
using ModelDock.Repository;
using ModelDock.Tensors;

namespace ModelDock.Bench.Serving;

/// <summary>
/// ModelDock without a transport: a <see cref="ModelServer"/> in this process over a repository with one
/// configuration, and callers invoking <see cref="ModelServer.InferAsync"/>, so the row shows what
/// validation, scheduling, batching and the model cost on their own. The difference to a server row is
/// what HTTP or gRPC adds.
/// </summary>
internal sealed class InProcessTarget : IInProcessTarget
{
    private readonly BenchModel _model;
    private readonly ModelDockRepository _repository;
    private readonly ModelServer _server;
    private readonly string _modelName;

    private InProcessTarget(BenchModel model, ModelDockRepository repository, ModelServer server, string modelName)
    {
        _model = model;
        _repository = repository;
        _server = server;
        _modelName = modelName;
    }

    public string Name => ResultTable.InProcess;

    public int RowsPerRequest => 1;

    public static async Task<InProcessTarget> StartAsync(BenchModel model, ModelDockConfig config)
    {
        var repository = await ModelDockRepository.WriteAsync(model, [config]).ConfigureAwait(false);
        var server = new ModelServer(
            new ModelRepositoryOptions { RepositoryPath = repository.ModelsPath },
            NullLogger<ModelServer>.Instance,
            TimeProvider.System);
        await server.StartAsync(CancellationToken.None).ConfigureAwait(false);
        return new InProcessTarget(model, repository, server, config.ModelName);
    }

    public async Task VerifyAsync()
    {
        var response = await _server.InferAsync(CreateRequest(), CancellationToken.None).ConfigureAwait(false);
        _model.Check(response.Outputs[0].AsSpan<float>(), Name);
    }

    public IRequestSender CreateSender(int worker) => new Sender(_server, CreateRequest());

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        _repository.Dispose();
    }

    private InferenceRequest CreateRequest() => new()
    {
        ModelName = _modelName,
        Inputs = [Tensor.FromRaw(_model.InputName, DataType.Fp32, [1, _model.InputWidth], MemoryMarshal.AsBytes(_model.Row.AsSpan()).ToArray())],
    };

    private sealed class Sender(ModelServer server, InferenceRequest request) : IRequestSender
    {
        public async ValueTask<bool> SendAsync()
        {
            var response = await server.InferAsync(request, CancellationToken.None).ConfigureAwait(false);
            return response.Outputs.Count == 1;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
