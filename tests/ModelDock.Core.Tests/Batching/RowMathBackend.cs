using System.Collections.Concurrent;
using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Core.Tests.Batching;

/// <summary>
/// A backend over FP32 input <c>x</c> [rows, width] with plain math: <c>y = 2x + rowsum(x)</c> and
/// <c>s = rowsum(x)</c> [rows, 1]. It records the shape of every call and the first value of every row,
/// which the tests use as a per-row marker, and the thread of every call.
/// </summary>
internal sealed class RowMathBackend : IModelBackend
{
    private readonly ConcurrentQueue<long[]> _shapes = new();
    private readonly ConcurrentQueue<float> _markers = new();
    private readonly ConcurrentQueue<int> _threads = new();
    private int _running;
    private int _maxRunning;

    public string Platform => "test_rowmath";

    public ModelSignature Signature { get; } = new(
        [new TensorSpec("x", DataType.Fp32, [-1, -1])],
        [new TensorSpec("y", DataType.Fp32, [-1, -1]), new TensorSpec("s", DataType.Fp32, [-1, 1])]);

    /// <summary>When set, every call waits for it, so tests can hold executions.</summary>
    public ManualResetEventSlim? Gate { get; init; }

    /// <summary>Returns the exception to throw for a batch containing the row marker, or null.</summary>
    public Func<float, Exception?>? FailureFor { get; init; }

    public IReadOnlyList<long[]> Shapes => [.. _shapes];

    public IReadOnlyList<int> BatchSizes => [.. _shapes.Select(s => (int)s[0])];

    public IReadOnlyCollection<float> Markers => [.. _markers];

    /// <summary>The managed thread id of every call, in call order.</summary>
    public IReadOnlyList<int> Threads => [.. _threads];

    public int Running => Volatile.Read(ref _running);

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        _threads.Enqueue(Environment.CurrentManagedThreadId);
        var running = Interlocked.Increment(ref _running);
        InterlockedMax(ref _maxRunning, running);
        try
        {
            if (Gate is { } gate && !gate.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("The test never released the backend gate.");
            }

            var x = inputs[0];
            var rows = (int)x.Shape[0];
            var width = (int)x.Shape[1];
            var values = x.AsSpan<float>();
            _shapes.Enqueue((long[])x.Shape.Clone());
            for (var r = 0; r < rows; r++)
            {
                _markers.Enqueue(values[r * width]);
            }

            for (var r = 0; r < rows; r++)
            {
                if (FailureFor?.Invoke(values[r * width]) is { } failure)
                {
                    throw failure;
                }
            }

            var y = new float[rows * width];
            var s = new float[rows];
            for (var r = 0; r < rows; r++)
            {
                float sum = 0;
                for (var j = 0; j < width; j++)
                {
                    sum += values[(r * width) + j];
                }

                s[r] = sum;
                for (var j = 0; j < width; j++)
                {
                    y[(r * width) + j] = (2 * values[(r * width) + j]) + sum;
                }
            }

            return [.. outputNames.Select(name => name switch
            {
                "y" => Tensor.FromArray("y", DataType.Fp32, [rows, width], y),
                "s" => Tensor.FromArray("s", DataType.Fp32, [rows, 1], s),
                _ => throw new InvalidOperationException($"Unknown output '{name}'."),
            })];
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public void Dispose()
    {
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
