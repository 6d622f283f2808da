using System.Globalization;

namespace ModelDock.Testing;

/// <summary>A model repository in a fresh temporary folder, deleted on dispose.</summary>
public sealed class TestModelRepository : IDisposable
{
    public TestModelRepository()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "modeldock-repo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The repository root, to pass as the server's model repository.</summary>
    public string Path { get; }

    /// <summary>Writes <c>model/version/model.onnx</c>, replacing an existing file.</summary>
    /// <returns>The path of the model file.</returns>
    public string AddVersion(string model, int version, byte[] onnx)
    {
        var directory = VersionDirectory(model, version);
        Directory.CreateDirectory(directory);
        var file = System.IO.Path.Combine(directory, "model.onnx");
        File.WriteAllBytes(file, onnx);
        return file;
    }

    /// <summary>Writes <c>model/config.json</c> verbatim, so tests can also write malformed configs.</summary>
    public string WriteConfig(string model, string json)
    {
        var directory = System.IO.Path.Combine(Path, model);
        Directory.CreateDirectory(directory);
        var file = System.IO.Path.Combine(directory, "config.json");
        File.WriteAllText(file, json);
        return file;
    }

    public void DeleteVersion(string model, int version) => Directory.Delete(VersionDirectory(model, version), recursive: true);

    public void DeleteModel(string model) => Directory.Delete(System.IO.Path.Combine(Path, model), recursive: true);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A server under test may still hold a file open (Windows); a leftover temp folder is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above: Windows refuses to delete files that are still open.
        }
    }

    private string VersionDirectory(string model, int version) =>
        System.IO.Path.Combine(Path, model, version.ToString(CultureInfo.InvariantCulture));
}
