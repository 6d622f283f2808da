using ModelDock.Tensors;

namespace ModelDock.Onnx;

/// <summary>
/// The models ModelDock's tests, demos and benchmarks serve. Weights come from a seeded
/// <see cref="Random"/>, so the same call always yields the same bytes.
/// </summary>
internal static class DemoModels
{
    public const string MlpInput = "input";
    public const string MlpOutput = "probabilities";

    public const string TwoInputIds = "ids";
    public const string TwoInputValues = "values";
    public const string TwoInputOutput = "weighted_sum";
    public const int TwoInputWidth = 4;

    public const string StringsInput = "text";
    public const string StringsOutput = "upper";

    public const string NoBatchInput = "x";
    public const string NoBatchOutput = "y";

    public const string IdentityInput = "input";
    public const string IdentityOutput = "output";

    private const int DefaultSeed = 20240601;

    /// <summary>The small MLP: 64 → 256 → 256 → 10.</summary>
    public static MlpModel ModelS(int seed = DefaultSeed) => Mlp([64, 256, 256, 10], seed);

    /// <summary>The large MLP: 512 → 1024 → 1024 → 10.</summary>
    public static MlpModel ModelL(int seed = DefaultSeed) => Mlp([512, 1024, 1024, 10], seed);

    /// <summary>
    /// Input "input" FP32 [-1, sizes[0]]; Gemm + Relu per hidden layer, Gemm + Softmax last;
    /// output "probabilities" FP32 [-1, sizes[^1]]. Weights and biases are uniform in ±1/√fan_in.
    /// </summary>
    public static MlpModel Mlp(int[] layerSizes, int seed)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Length < 2 || layerSizes.Any(size => size <= 0))
        {
            throw new ArgumentException("An MLP needs at least two positive layer sizes.", nameof(layerSizes));
        }

        var random = new Random(seed);
        var builder = new OnnxModelBuilder("mlp")
            .AddInput(MlpInput, DataType.Fp32, -1, layerSizes[0])
            .AddOutput(MlpOutput, DataType.Fp32, -1, layerSizes[^1]);
        var weights = new List<float[]>();
        var biases = new List<float[]>();
        var current = MlpInput;
        var layers = layerSizes.Length - 1;
        for (var k = 0; k < layers; k++)
        {
            int fanIn = layerSizes[k], fanOut = layerSizes[k + 1];
            var bound = 1.0 / Math.Sqrt(fanIn);
            var w = Uniform(random, fanIn * fanOut, bound);
            var b = Uniform(random, fanOut, bound);
            weights.Add(w);
            biases.Add(b);

            var last = k == layers - 1;
            var linear = $"linear{k}";
            builder
                .AddInitializer($"weight{k}", w, [fanIn, fanOut])
                .AddInitializer($"bias{k}", b, [fanOut])
                .AddNode("Gemm", [current, $"weight{k}", $"bias{k}"], [linear]);
            current = last ? linear : $"relu{k}";
            if (last)
            {
                builder.AddNode("Softmax", [linear], [MlpOutput], OnnxAttribute.Int("axis", -1));
            }
            else
            {
                builder.AddNode("Relu", [linear], [current]);
            }
        }

        return new MlpModel(builder.Build(), [.. layerSizes], weights, biases);
    }

    /// <summary>
    /// Inputs "ids" INT64 [-1, 4] and "values" FP32 [-1, 4]; output "weighted_sum" FP32 [-1, 1],
    /// row i = Σ_j float(ids[i, j]) · values[i, j]. Two inputs of different datatypes exercise
    /// multi-input requests and batching.
    /// </summary>
    public static byte[] TwoInput() =>
        new OnnxModelBuilder("two_input")
            .AddInput(TwoInputIds, DataType.Int64, -1, TwoInputWidth)
            .AddInput(TwoInputValues, DataType.Fp32, -1, TwoInputWidth)
            .AddOutput(TwoInputOutput, DataType.Fp32, -1, 1)
            .AddInitializer("sum_axes", [1L], [1])
            .AddNode("Cast", [TwoInputIds], ["ids_float"], OnnxAttribute.Int("to", (long)DataType.Fp32.ToOnnx()))
            .AddNode("Mul", ["ids_float", TwoInputValues], ["products"])
            .AddNode("ReduceSum", ["products", "sum_axes"], [TwoInputOutput], OnnxAttribute.Int("keepdims", 1))
            .Build();

    /// <summary>
    /// Input "text" BYTES [-1, 1]; output "upper" BYTES [-1, 1], each string with its ASCII letters
    /// upper-cased and every other character kept. StringNormalizer only accepts [C] or [1, C], so the
    /// column is flattened around it. Its default locale (en_US.UTF-8) is missing on minimal Linux
    /// images and named differently on Windows; the "C" locale exists everywhere, hence ASCII-only.
    /// </summary>
    public static byte[] Strings() =>
        new OnnxModelBuilder("strings")
            .AddInput(StringsInput, DataType.Bytes, -1, 1)
            .AddOutput(StringsOutput, DataType.Bytes, -1, 1)
            .AddInitializer("flat_shape", [-1L], [1])
            .AddInitializer("column_shape", [-1L, 1L], [2])
            .AddNode("Reshape", [StringsInput, "flat_shape"], ["flat_text"])
            .AddNode(
                "StringNormalizer",
                ["flat_text"],
                ["flat_upper"],
                OnnxAttribute.String("case_change_action", "UPPER"),
                OnnxAttribute.String("locale", "C"))
            .AddNode("Reshape", ["flat_upper", "column_shape"], [StringsOutput])
            .Build();

    /// <summary>Input "x" FP32 [3, 4] with no batch dimension; output "y" FP32 [3, 4] = x · 2 + 1.</summary>
    public static byte[] NoBatch() =>
        new OnnxModelBuilder("no_batch")
            .AddInput(NoBatchInput, DataType.Fp32, 3, 4)
            .AddOutput(NoBatchOutput, DataType.Fp32, 3, 4)
            .AddInitializer("two", [2f], [])
            .AddInitializer("one", [1f], [])
            .AddNode("Mul", [NoBatchInput, "two"], ["doubled"])
            .AddNode("Add", ["doubled", "one"], [NoBatchOutput])
            .Build();

    /// <summary>Input "input" [-1, -1] of <paramref name="dataType"/>; output "output" the same tensor.</summary>
    public static byte[] Identity(DataType dataType) =>
        new OnnxModelBuilder($"identity_{dataType.ToWireName().ToLowerInvariant()}")
            .AddInput(IdentityInput, dataType, -1, -1)
            .AddOutput(IdentityOutput, dataType, -1, -1)
            .AddNode("Identity", [IdentityInput], [IdentityOutput])
            .Build();

    private static float[] Uniform(Random random, int count, double bound)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return values;
    }
}
