using Microsoft.ML.OnnxRuntime;
using ModelDock.Onnx;

namespace ModelDock.Bench.Serving;

/// <summary>
/// A demo model under test with one fixed input row and the output ONNX Runtime computes for it, which
/// every target's answer is checked against before it is measured.
/// </summary>
internal sealed class BenchModel
{
    private BenchModel(string label, string name, byte[] onnx, int inputWidth, int outputWidth)
    {
        Label = label;
        Name = name;
        Onnx = onnx;
        InputWidth = inputWidth;
        OutputWidth = outputWidth;
        var random = new Random(7);
        Row = new float[inputWidth];
        for (var i = 0; i < Row.Length; i++)
        {
            Row[i] = (float)((random.NextDouble() * 2) - 1);
        }

        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(Row, [1, inputWidth]);
        using var outputs = session.Run(new RunOptions(), [InputName], [input], [OutputName]);
        ExpectedOutput = outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>S or L, as in the results table.</summary>
    public string Label { get; }

    /// <summary>The model's name in the repository and in request URLs.</summary>
    public string Name { get; }

    public byte[] Onnx { get; }

    public string InputName => DemoModels.MlpInput;

    public string OutputName => DemoModels.MlpOutput;

    public int InputWidth { get; }

    public int OutputWidth { get; }

    public float[] Row { get; }

    public float[] ExpectedOutput { get; }

    public static BenchModel Create(string label) => label.ToUpperInvariant() switch
    {
        "S" => new BenchModel("S", "model_s", DemoModels.ModelS().Onnx, 64, 10),
        "L" => new BenchModel("L", "model_l", DemoModels.ModelL().Onnx, 512, 10),
        _ => throw new ArgumentException($"Unknown model '{label}'; expected S or L."),
    };

    /// <summary>
    /// Throws when <paramref name="actual"/> is not the expected output, once per row of a request that
    /// repeats <see cref="Row"/> <paramref name="rows"/> times, within float rounding.
    /// </summary>
    public void Check(ReadOnlySpan<float> actual, string target, int rows = 1)
    {
        if (actual.Length != rows * OutputWidth)
        {
            throw new InvalidOperationException($"{target}: {actual.Length} output values, expected {rows * OutputWidth}.");
        }

        for (var i = 0; i < actual.Length; i++)
        {
            var expected = ExpectedOutput[i % OutputWidth];
            if (Math.Abs(actual[i] - expected) > 1e-4f)
            {
                throw new InvalidOperationException($"{target}: output[{i}] = {actual[i]}, expected {expected}.");
            }
        }
    }
}
