namespace ModelDock.Testing;

/// <summary>Plain C# versions of the demo models, to compute expected outputs independently of ONNX Runtime.</summary>
public static class ReferenceMath
{
    /// <summary>
    /// Runs an MLP (Relu after every layer but the last, Softmax after the last) on row-major
    /// [rows, layerSizes[0]] input; returns row-major [rows, layerSizes[^1]] probabilities.
    /// Pass an <c>MlpModel</c>'s LayerSizes, Weights and Biases. Accumulates in double.
    /// </summary>
    public static float[] MlpForward(IReadOnlyList<int> layerSizes, IReadOnlyList<float[]> weights, IReadOnlyList<float[]> biases, float[] input, int rows)
    {
        if (input.Length != rows * layerSizes[0])
        {
            throw new ArgumentException($"Expected {rows * layerSizes[0]} values, got {input.Length}.", nameof(input));
        }

        var activations = Array.ConvertAll(input, v => (double)v);
        var layers = weights.Count;
        for (var k = 0; k < layers; k++)
        {
            int fanIn = layerSizes[k], fanOut = layerSizes[k + 1];
            var next = new double[rows * fanOut];
            var w = weights[k];
            var b = biases[k];
            for (var r = 0; r < rows; r++)
            {
                for (var o = 0; o < fanOut; o++)
                {
                    double sum = b[o];
                    for (var i = 0; i < fanIn; i++)
                    {
                        sum += activations[(r * fanIn) + i] * w[(i * fanOut) + o];
                    }

                    next[(r * fanOut) + o] = k < layers - 1 ? Relu(sum) : sum;
                }
            }

            activations = next;
        }

        var outputSize = layerSizes[^1];
        var output = new float[rows * outputSize];
        for (var r = 0; r < rows; r++)
        {
            Softmax(activations.AsSpan(r * outputSize, outputSize)).CopyTo(output, r * outputSize);
        }

        return output;
    }

    public static double Relu(double x) => x > 0 ? x : 0;

    public static float[] Softmax(ReadOnlySpan<double> logits)
    {
        var max = double.NegativeInfinity;
        foreach (var v in logits)
        {
            max = Math.Max(max, v);
        }

        var exps = new double[logits.Length];
        double total = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            exps[i] = Math.Exp(logits[i] - max);
            total += exps[i];
        }

        return Array.ConvertAll(exps, e => (float)(e / total));
    }

    /// <summary>The two-input model: row i of the result is Σ_j ids[i, j] · values[i, j].</summary>
    public static float[] WeightedSum(long[] ids, float[] values, int width)
    {
        if (ids.Length != values.Length || ids.Length % width != 0)
        {
            throw new ArgumentException("ids and values must both hold whole rows of the same count.", nameof(values));
        }

        var sums = new float[ids.Length / width];
        for (var r = 0; r < sums.Length; r++)
        {
            double sum = 0;
            for (var j = 0; j < width; j++)
            {
                sum += (float)ids[(r * width) + j] * (double)values[(r * width) + j];
            }

            sums[r] = (float)sum;
        }

        return sums;
    }

    /// <summary>The no-batch model: x · 2 + 1 elementwise.</summary>
    public static float[] DoublePlusOne(float[] x) => Array.ConvertAll(x, v => (v * 2) + 1);

    /// <summary>The strings model: ASCII letters upper-cased, every other character unchanged.</summary>
    public static string AsciiUpper(string text) =>
        string.Create(text.Length, text, static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = source[i] is >= 'a' and <= 'z' ? (char)(source[i] - ('a' - 'A')) : source[i];
            }
        });

    /// <summary>Deterministic inputs uniform in [-1, 1) for a seeded test.</summary>
    public static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
