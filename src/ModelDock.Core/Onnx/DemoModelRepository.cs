namespace ModelDock.Onnx;

/// <summary>
/// Writes a model repository (one folder per model, one numbered folder per version holding
/// <c>model.onnx</c>) with the demo models, for <c>serve</c> and <c>quickstart</c> to start from.
/// </summary>
internal static class DemoModelRepository
{
    public const string MlpModelName = "demo_mlp";
    public const string TwoInputModelName = "demo_two_input";
    public const string ModelFileName = "model.onnx";
    public const string ConfigFileName = "config.json";

    /// <summary>The MLP batches dynamically: up to 32 rows, waiting at most 1 ms to fill a batch.</summary>
    public const string MlpConfigJson =
        """{"max_batch_size": 32, "dynamic_batching": {"max_queue_delay_microseconds": 1000, "preferred_batch_size": [32]}, "instance_group": [{"count": 1}]}""";

    /// <summary>Writes the demo models under <paramref name="directory"/>, replacing files already there.</summary>
    /// <returns>The names of the models written.</returns>
    public static IReadOnlyList<string> Write(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        WriteVersion(directory, MlpModelName, 1, DemoModels.ModelS().Onnx);
        File.WriteAllText(Path.Combine(directory, MlpModelName, ConfigFileName), MlpConfigJson + "\n");
        WriteVersion(directory, TwoInputModelName, 1, DemoModels.TwoInput());
        return [MlpModelName, TwoInputModelName];
    }

    private static void WriteVersion(string directory, string model, int version, byte[] onnx)
    {
        var versionDirectory = Path.Combine(directory, model, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(versionDirectory);
        File.WriteAllBytes(Path.Combine(versionDirectory, ModelFileName), onnx);
    }
}
