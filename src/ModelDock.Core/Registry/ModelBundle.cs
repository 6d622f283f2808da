using System.IO.Compression;
using System.Text.Json;
using ModelDock.Errors;

namespace ModelDock.Registry;

/// <summary>
/// A registered version as one zip file that a pipeline moves between environments: <c>manifest.json</c> (model,
/// version, artifact hash and size, signature, config, description, tags, metrics, lineage) and <c>model.onnx</c>.
/// Importing checks the artifact against the manifest's hash before anything is registered.
/// </summary>
internal static class ModelBundle
{
    private const string ManifestEntry = "manifest.json";
    private const string ArtifactEntry = "model.onnx";
    private const long MaxManifestBytes = 1 << 20;

    public static async Task WriteAsync(ModelRegistry registry, ModelVersionInfo version, string bundleFile, CancellationToken cancellationToken)
    {
        var temporary = bundleFile + ".tmp";
        var artifact = temporary + ".onnx";
        try
        {
            await registry.Artifacts.CopyToFileAsync(version.Artifact, artifact, cancellationToken).ConfigureAwait(false);
            using (var zip = ZipFile.Open(temporary, ZipArchiveMode.Create))
            {
                zip.CreateEntryFromFile(artifact, ArtifactEntry, CompressionLevel.Optimal);
                await using var manifest = zip.CreateEntry(ManifestEntry).Open();
                await JsonSerializer.SerializeAsync(manifest, Manifest.From(version), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, bundleFile, overwrite: true);
        }
        finally
        {
            File.Delete(artifact);
            File.Delete(temporary);
        }
    }

    /// <summary>Registers the bundle's version as the next version of its model here, recording where it came from.</summary>
    public static async Task<ModelVersionInfo> ImportAsync(ModelRegistry registry, string bundleFile, string createdBy, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("modeldock-import-").FullName;
        try
        {
            Manifest manifest;
            var artifact = Path.Combine(folder, ArtifactEntry);
            try
            {
                using var zip = ZipFile.OpenRead(bundleFile);
                manifest = ReadManifest(zip, bundleFile);
                var entry = zip.GetEntry(ArtifactEntry) ?? throw ModelDockException.InvalidInput($"bundle '{bundleFile}' has no {ArtifactEntry}");
                await using var source = entry.Open();
                await using var target = File.Create(artifact);
                var copied = await FileArtifactStore.CopyHashingAsync(source, target, cancellationToken).ConfigureAwait(false);
                if (copied.Sha256 != manifest.Sha256 || copied.Bytes != manifest.Bytes)
                {
                    throw ModelDockException.InvalidInput(
                        $"bundle '{bundleFile}': {ArtifactEntry} is sha256:{copied.Sha256} ({copied.Bytes} bytes) but the manifest says sha256:{manifest.Sha256} ({manifest.Bytes} bytes); nothing was imported");
                }
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or IOException and not FileNotFoundException)
            {
                throw ModelDockException.InvalidInput($"bundle '{bundleFile}' cannot be read: {e.Message}");
            }

            string? config = null;
            if (manifest.Config is { } text)
            {
                config = Path.Combine(folder, "config.json");
                await File.WriteAllTextAsync(config, text, cancellationToken).ConfigureAwait(false);
            }

            var lineage = new Dictionary<string, string>(manifest.Lineage, StringComparer.Ordinal)
            {
                ["imported_from"] = $"{manifest.Model}:{manifest.Version} ({Path.GetFileName(bundleFile)})",
            };
            return await registry.RegisterAsync(
                new RegistrationRequest(manifest.Model, artifact)
                {
                    ConfigFile = config,
                    Description = manifest.Description,
                    Tags = manifest.Tags,
                    Metrics = manifest.Metrics,
                    Lineage = lineage,
                    CreatedBy = createdBy,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw ModelDockException.InvalidInput($"bundle '{bundleFile}' does not exist");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Manifest ReadManifest(ZipArchive zip, string bundleFile)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw ModelDockException.InvalidInput($"bundle '{bundleFile}' has no {ManifestEntry}");
        if (entry.Length > MaxManifestBytes)
        {
            throw ModelDockException.InvalidInput($"bundle '{bundleFile}': {ManifestEntry} is {entry.Length} bytes, more than {MaxManifestBytes}");
        }

        using var stream = entry.Open();
        var manifest = JsonSerializer.Deserialize<Manifest>(stream);
        if (manifest is null || string.IsNullOrEmpty(manifest.Model) || manifest.Sha256 is not { Length: 64 } || manifest.Tags is null || manifest.Metrics is null || manifest.Lineage is null)
        {
            throw ModelDockException.InvalidInput($"bundle '{bundleFile}': {ManifestEntry} lacks the model, the artifact's sha256, or tags/metrics/lineage");
        }

        return manifest;
    }

    private sealed record Manifest(
        string Model,
        long Version,
        string Sha256,
        long Bytes,
        string Signature,
        string? Config,
        string Description,
        Dictionary<string, string> Tags,
        Dictionary<string, double> Metrics,
        Dictionary<string, string> Lineage,
        string CreatedBy,
        DateTimeOffset CreatedAt)
    {
        public static Manifest From(ModelVersionInfo v) => new(
            v.Model, v.Version, v.Artifact.Sha256, v.Artifact.Bytes, RegistryJson.Signature(v.Signature), v.Config, v.Description,
            v.Tags.ToDictionary(), v.Metrics.ToDictionary(), v.Lineage.ToDictionary(), v.CreatedBy, v.CreatedAt);
    }
}
