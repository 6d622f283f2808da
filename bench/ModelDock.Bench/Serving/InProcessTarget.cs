using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Bench.Serving.Load;
using ModelDock.Bench.Serving.Servers;
using ModelDock.Inference;
using ModelDock.Repository;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Bench.Serving;

/// <summary>
/// ModelDock without a transport: the serving table of a repository with one configuration in this process,
/// and callers invoking <see cref="InferenceService.InferAsync"/>, so the row shows what
/// validation, scheduling, batching and the model cost on their own. The difference to a server row is
/// what HTTP or gRPC adds.
/// </summary>
internal sealed class InProcessTarget : IInProcessTarget
{
    private readonly BenchModel _model;
    private readonly ModelDockRepository _repository;
    private readonly FolderModelSource _source;
    private readonly ServingTable _table;
    private readonly InferenceService _server;
    private readonly string _modelName;

    private InProcessTarget(BenchModel model, ModelDockRepository repository, FolderModelSource source, ServingTable table, string modelName)
    {
        _model = model;
        _repository = repository;
        _source = source;
        _table = table;
        _server = new InferenceService(table, TimeProvider.System);
        _modelName = modelName;
    }

    public string Name => ResultTable.InProcess;

    public int RowsPerRequest => 1;

    public static async Task<InProcessTarget> StartAsync(BenchModel model, ModelDockConfig config)
    {
        var repository = await ModelDockRepository.WriteAsync(model, [config]).ConfigureAwait(false);
        var table = new ServingTable(NullLogger<ServingTable>.Instance);
        var source = new FolderModelSource(new ModelRepositoryOptions { RepositoryPath = repository.ModelsPath }, table, NullLogger.Instance, TimeProvider.System);
        await source.StartAsync(CancellationToken.None).ConfigureAwait(false);
        return new InProcessTarget(model, repository, source, table, config.ModelName);
    }

    public async Task VerifyAsync()
    {
        var response = await _server.InferAsync(CreateRequest(), CancellationToken.None).ConfigureAwait(false);
        _model.Check(response.Outputs[0].AsSpan<float>(), Name);
    }

    public IRequestSender CreateSender(int worker) => new Sender(_server, CreateRequest());

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        await _table.DisposeAsync().ConfigureAwait(false);
        _repository.Dispose();
    }

    private InferenceRequest CreateRequest() => new()
    {
        ModelName = _modelName,
        Inputs = [Tensor.FromRaw(_model.InputName, DataType.Fp32, [1, _model.InputWidth], MemoryMarshal.AsBytes(_model.Row.AsSpan()).ToArray())],
    };

    private sealed class Sender(InferenceService server, InferenceRequest request) : IRequestSender
    {
        public async ValueTask<bool> SendAsync()
        {
            var response = await server.InferAsync(request, CancellationToken.None).ConfigureAwait(false);
            return response.Outputs.Count == 1;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
