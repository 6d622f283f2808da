using System.Runtime.InteropServices;
using ModelDock.Inference;
using ModelDock.Repository;
using ModelDock.Tensors;

namespace ModelDock.Bench.Serving;

/// <summary>
/// ModelDock without a transport: callers invoke <see cref="ModelServer.InferAsync"/> in process, so
/// the row shows what validation, scheduling, batching and the model cost on their own. The difference
/// to a server row is what HTTP or gRPC adds.
/// </summary>
internal sealed class InProcessTarget : IBenchTarget
{
    private readonly BenchModel _model;
    private readonly ModelServer _server;
    private readonly string _modelName;

    public InProcessTarget(BenchModel model, ModelServer server, string modelName)
    {
        _model = model;
        _server = server;
        _modelName = modelName;
    }

    public string Name => ResultTable.InProcess;

    public int RowsPerRequest => 1;

    public async Task VerifyAsync()
    {
        var response = await _server.InferAsync(CreateRequest(), CancellationToken.None).ConfigureAwait(false);
        _model.Check(response.Outputs[0].AsSpan<float>(), Name);
    }

    public IRequestSender CreateSender(int worker) => new Sender(_server, CreateRequest());

    public HttpLoad? DescribeHttpLoad() => null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

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
