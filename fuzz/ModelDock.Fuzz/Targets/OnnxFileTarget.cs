using ModelDock.Fuzz.Engine;
using ModelDock.Onnx;
using ModelDock.Runtime.Onnx;
using ModelDock.Tensors;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// Corrupt <c>model.onnx</c> files as the repository loads them: a file ONNX Runtime cannot load, or whose signature
/// ModelDock cannot serve, must be an <see cref="InvalidDataException"/> that marks the one model unavailable.
/// </summary>
internal sealed class OnnxFileTarget : IFuzzTarget
{
    private static readonly byte[][] Seeds =
    [
        DemoModels.Mlp([8, 16, 3], seed: 7).Onnx, DemoModels.TwoInput(), DemoModels.Strings(), DemoModels.NoBatch(),
        DemoModels.Identity(DataType.Fp16), DemoModels.Identity(DataType.Bool), DemoModels.Identity(DataType.Int64),
    ];

    public string Name => "onnx";

    public double Share => 0.05;

    public int Parallelism => 2;

    public FuzzInput Generate(Random random)
    {
        var seed = Seeds[random.Next(Seeds.Length)];
        return FuzzInput.File(Name, "model.onnx", ByteMutator.Mutate(seed, random, Seeds[random.Next(Seeds.Length)], maxRounds: 3));
    }

    public Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"modeldock-fuzz-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(file, input.Body);
            using var backend = OnnxModelBackend.Load(file, OnnxSessionSettings.Default);
            return Task.FromResult(new Outcome("loaded"));
        }
        catch (InvalidDataException)
        {
            return Task.FromResult(new Outcome("InvalidDataException"));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
