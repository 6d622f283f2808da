using ModelDock.Batching;
using ModelDock.Tensors;

namespace ModelDock.Core.Tests.Batching;

/// <summary>Builds marked inputs and computes the expected outputs of <see cref="RowMathBackend"/> independently.</summary>
internal static class RowMath
{
    public static readonly string[] BothOutputs = ["y", "s"];

    /// <summary>Row r, column j holds marker * 100 + r * 10 + j, so x[r, 0] identifies the row.</summary>
    public static float Value(int marker, int row, int column) => (marker * 100) + (row * 10) + column;

    public static Tensor Input(int marker, int rows, int width)
    {
        var values = new float[rows * width];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < width; j++)
            {
                values[(r * width) + j] = Value(marker, r, j);
            }
        }

        return Tensor.FromArray("x", DataType.Fp32, [rows, width], values);
    }

    public static float[] ExpectedY(int marker, int rows, int width)
    {
        var expected = new float[rows * width];
        for (var r = 0; r < rows; r++)
        {
            float sum = 0;
            for (var j = 0; j < width; j++)
            {
                sum += Value(marker, r, j);
            }

            for (var j = 0; j < width; j++)
            {
                expected[(r * width) + j] = (2 * Value(marker, r, j)) + sum;
            }
        }

        return expected;
    }

    public static float[] ExpectedS(int marker, int rows, int width)
    {
        var expected = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < width; j++)
            {
                expected[r] += Value(marker, r, j);
            }
        }

        return expected;
    }

    /// <summary>True when <paramref name="result"/> holds both outputs for exactly the rows of <see cref="Input"/> with these arguments.</summary>
    public static bool Matches(ScheduleResult result, int marker, int rows, int width) =>
        result.Outputs.Count == 2
        && result.Outputs[0].Name == "y"
        && result.Outputs[0].Shape.SequenceEqual([(long)rows, width])
        && result.Outputs[0].AsSpan<float>().SequenceEqual(ExpectedY(marker, rows, width))
        && result.Outputs[1].Name == "s"
        && result.Outputs[1].Shape.SequenceEqual([(long)rows, 1])
        && result.Outputs[1].AsSpan<float>().SequenceEqual(ExpectedS(marker, rows, width));

    public static bool RanAnyRowOf(RowMathBackend backend, int marker) =>
        backend.Markers.Any(m => m >= marker * 100 && m < (marker + 1) * 100);

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after a generous bound instead of hanging.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 2000; i++)
        {
            if (condition())
            {
                return;
            }

            await Task.Delay(5);
        }

        throw new InvalidOperationException($"Gave up waiting until {what}.");
    }
}
