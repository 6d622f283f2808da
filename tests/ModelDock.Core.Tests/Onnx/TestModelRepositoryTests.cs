using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Onnx;

public sealed class TestModelRepositoryTests
{
    [Fact]
    public void AddVersion_WritesModelFileUnderModelAndVersion()
    {
        using var repository = new TestModelRepository();

        var file = repository.AddVersion("m", 3, [7, 8, 9]);

        Assert.Equal(Path.Combine(repository.Path, "m", "3", "model.onnx"), file);
        Assert.Equal([7, 8, 9], File.ReadAllBytes(file));
    }

    [Fact]
    public void DeleteVersion_RemovesOnlyThatVersion()
    {
        using var repository = new TestModelRepository();
        repository.AddVersion("m", 1, [1]);
        repository.AddVersion("m", 2, [2]);

        repository.DeleteVersion("m", 1);

        Assert.Equal(["2"], Directory.GetDirectories(Path.Combine(repository.Path, "m")).Select(Path.GetFileName));
    }

    [Fact]
    public void WriteConfig_WritesTextVerbatim()
    {
        using var repository = new TestModelRepository();

        repository.WriteConfig("m", "{not json");

        Assert.Equal("{not json", File.ReadAllText(Path.Combine(repository.Path, "m", "config.json")));
    }

    [Fact]
    public void Dispose_DeletesTheFolder()
    {
        var repository = new TestModelRepository();
        repository.AddVersion("m", 1, [1]);

        repository.Dispose();

        Assert.False(Directory.Exists(repository.Path));
    }
}
