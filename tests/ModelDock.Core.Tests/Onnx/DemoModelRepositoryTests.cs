using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using ModelDock.Onnx;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

public sealed class DemoModelRepositoryTests
{
    [Fact]
    public void Write_EmptyFolder_CreatesEveryModelVersionAndTheMlpConfig()
    {
        using var repository = new TestModelRepository();

        var models = DemoModelRepository.Write(repository.Path);

        Assert.Equal(["demo_mlp", "demo_two_input"], models);
        Assert.Equal(["demo_mlp", "demo_two_input"], Directory.GetDirectories(repository.Path).Select(Path.GetFileName).Order());
        Assert.Equal(DemoModels.ModelS().Onnx, File.ReadAllBytes(Path.Combine(repository.Path, "demo_mlp", "1", "model.onnx")));
        Assert.Equal(DemoModels.TwoInput(), File.ReadAllBytes(Path.Combine(repository.Path, "demo_two_input", "1", "model.onnx")));
        Assert.False(File.Exists(Path.Combine(repository.Path, "demo_two_input", "config.json")));
    }

    [Fact]
    public void Write_MlpConfig_HasTheBatchingSettings()
    {
        using var repository = new TestModelRepository();

        DemoModelRepository.Write(repository.Path);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository.Path, "demo_mlp", "config.json")));
        var root = config.RootElement;
        Assert.Equal(32, root.GetProperty("max_batch_size").GetInt32());
        var batching = root.GetProperty("dynamic_batching");
        Assert.Equal(1000, batching.GetProperty("max_queue_delay_microseconds").GetInt32());
        Assert.Equal([32], batching.GetProperty("preferred_batch_size").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1, root.GetProperty("instance_group")[0].GetProperty("count").GetInt32());
    }

    [Fact]
    public void Write_Twice_OverwritesWithIdenticalModels()
    {
        using var repository = new TestModelRepository();
        DemoModelRepository.Write(repository.Path);
        var path = Path.Combine(repository.Path, "demo_mlp", "1", "model.onnx");
        File.WriteAllBytes(path, [1, 2, 3]);

        DemoModelRepository.Write(repository.Path);

        Assert.Equal(DemoModels.ModelS().Onnx, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_EveryModelFile_LoadsInOnnxRuntime()
    {
        using var repository = new TestModelRepository();

        DemoModelRepository.Write(repository.Path);

        foreach (var file in Directory.GetFiles(repository.Path, "model.onnx", SearchOption.AllDirectories))
        {
            using var session = new InferenceSession(file);
            Assert.NotEmpty(session.OutputNames);
        }
    }

    [Fact]
    public void Write_BlankDirectory_Throws()
    {
        Assert.Throws<ArgumentException>(() => DemoModelRepository.Write(" "));
    }
}
