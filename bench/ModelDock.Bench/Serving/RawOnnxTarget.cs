using Microsoft.ML.OnnxRuntime;
using ModelDock.Bench.Serving.Load;

namespace ModelDock.Bench.Serving;

/// <summary>
/// The compute limit: ONNX Runtime called in process with preallocated input and output buffers, no
/// transport, no copies. Batch 32 shows what batching can buy at most.
/// </summary>
internal sealed class RawOnnxTarget : IInProcessTarget
{
    private readonly BenchModel _model;
    private readonly InferenceSession _session;

    public RawOnnxTarget(BenchModel model, int batch)
    {
        _model = model;
        RowsPerRequest = batch;
        _session = new InferenceSession(model.Onnx);
    }

    public string Name => $"raw ONNX Runtime, batch {RowsPerRequest}";

    public int RowsPerRequest { get; }

    public Task VerifyAsync()
    {
        using var sender = new Sender(this);
        sender.Run();
        _model.Check(sender.FirstRow(), Name);
        return Task.CompletedTask;
    }

    public IRequestSender CreateSender(int worker) => new Sender(this);

    public ValueTask DisposeAsync()
    {
        _session.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Sender : IRequestSender, IDisposable
    {
        private readonly RawOnnxTarget _target;
        private readonly float[] _output;
        private readonly OrtValue _inputValue;
        private readonly OrtValue _outputValue;
        private readonly OrtValue[] _inputs;
        private readonly OrtValue[] _outputs;
        private readonly RunOptions _runOptions = new();
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;

        public Sender(RawOnnxTarget target)
        {
            _target = target;
            var model = target._model;
            var batch = target.RowsPerRequest;
            var input = new float[batch * model.InputWidth];
            for (var r = 0; r < batch; r++)
            {
                model.Row.CopyTo(input, r * model.InputWidth);
            }

            _output = new float[batch * model.OutputWidth];
            _inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, model.InputWidth]);
            _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [batch, model.OutputWidth]);
            _inputs = [_inputValue];
            _outputs = [_outputValue];
            _inputNames = [model.InputName];
            _outputNames = [model.OutputName];
        }

        public void Run() =>
            _target._session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

        public ReadOnlySpan<float> FirstRow() => _output.AsSpan(0, _target._model.OutputWidth);

        public ValueTask<bool> SendAsync()
        {
            Run();
            return ValueTask.FromResult(true);
        }

        public void Dispose()
        {
            _inputValue.Dispose();
            _outputValue.Dispose();
            _runOptions.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
