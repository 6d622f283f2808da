using System.Globalization;
using ModelDock.Errors;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;

namespace ModelDock.Registry;

/// <summary>
/// Models, their immutable versions and aliases over a metadata store and an artifact store. A version is registered
/// only after its file has loaded in ONNX Runtime (which gives its signature), its config has parsed, and its bytes
/// are stored whole under their hash; a failure at any step leaves nothing registered.
/// </summary>
internal sealed class ModelRegistry
{
    private const int MaxNameLength = 128;

    private readonly IModelRegistryStore _store;
    private readonly IArtifactStore _artifacts;
    private readonly TimeProvider _time;
    private readonly ModelBackendLoader _loadBackend;

    public ModelRegistry(IModelRegistryStore store, IArtifactStore artifacts, TimeProvider time, ModelBackendLoader? loadBackend = null)
    {
        _store = store;
        _artifacts = artifacts;
        _time = time;
        _loadBackend = loadBackend ?? OnnxModelBackend.Load;
    }

    public IModelRegistryStore Store => _store;

    public IArtifactStore Artifacts => _artifacts;

    /// <summary>Registers the next version of a model from one model file and an optional config file.</summary>
    public async Task<ModelVersionInfo> RegisterAsync(RegistrationRequest request, CancellationToken cancellationToken)
    {
        CheckName(request.Model, "model");
        var file = Path.GetFullPath(request.ModelFile);
        if (!File.Exists(file))
        {
            throw ModelDockException.InvalidInput($"model file '{file}' does not exist");
        }

        var (config, configJson) = ReadConfig(request.ConfigFile, request.Model);
        var signature = ReadSignature(file, config);
        var artifact = await _artifacts.PutAsync(file, cancellationToken).ConfigureAwait(false);
        return await _store.AddVersionAsync(
            new ModelVersionDraft(request.Model, artifact, signature, configJson, request.Description, request.Tags, request.Metrics, request.Lineage, request.CreatedBy),
            _time.GetUtcNow(),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers every version folder of a Triton-style model folder (<c>&lt;model&gt;/config.json</c>,
    /// <c>&lt;model&gt;/&lt;n&gt;/model.onnx</c>) as the next versions of the model, oldest first, with the folder's config.
    /// All of them are checked before the first is registered.
    /// </summary>
    public async Task<IReadOnlyList<ModelVersionInfo>> RegisterFolderAsync(string folder, RegistrationRequest template, CancellationToken cancellationToken)
    {
        CheckName(template.Model, "model");
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            throw ModelDockException.InvalidInput($"model folder '{folder}' does not exist");
        }

        ModelConfig config;
        try
        {
            config = ModelConfigReader.Read(folder, template.Model);
        }
        catch (ModelConfigException e)
        {
            throw ModelDockException.InvalidInput(e.Message);
        }

        var configFile = ModelConfigReader.CandidateFiles(folder).FirstOrDefault(File.Exists);
        var versions = RepositoryScanner.ListVersions(folder);
        if (versions.Count == 0)
        {
            throw ModelDockException.InvalidInput(
                $"model folder '{folder}' has no version folder (versions are positive integers, e.g. 1{Path.DirectorySeparatorChar}{config.DefaultModelFilename})");
        }

        var files = versions.Select(v => (Version: v, File: Path.Combine(folder, v.ToString(CultureInfo.InvariantCulture), config.DefaultModelFilename))).ToList();
        foreach (var (_, file) in files)
        {
            if (!File.Exists(file))
            {
                throw ModelDockException.InvalidInput($"model file '{file}' does not exist");
            }

            ReadSignature(file, config);
        }

        var registered = new List<ModelVersionInfo>();
        foreach (var (version, file) in files)
        {
            var lineage = new Dictionary<string, string>(template.Lineage.ToDictionary(), StringComparer.Ordinal)
            {
                ["source_folder"] = folder,
                ["source_folder_version"] = version.ToString(CultureInfo.InvariantCulture),
            };
            registered.Add(await RegisterAsync(template with { ModelFile = file, ConfigFile = configFile, Lineage = lineage }, cancellationToken).ConfigureAwait(false));
        }

        return registered;
    }

    /// <summary>A version by number, or by alias when <paramref name="versionOrAlias"/> is not a number.</summary>
    public async Task<ModelVersionInfo> GetAsync(string model, string versionOrAlias, CancellationToken cancellationToken)
    {
        var version = long.TryParse(versionOrAlias, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : await _store.ResolveAliasAsync(model, versionOrAlias, cancellationToken).ConfigureAwait(false);
        return await _store.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
    }

    public Task<AliasMove> SetAliasAsync(string model, string alias, long version, string by, CancellationToken cancellationToken)
    {
        CheckName(alias, "alias");
        if (alias.All(char.IsAsciiDigit))
        {
            throw ModelDockException.InvalidInput($"alias '{alias}' is all digits, which would read as a version number");
        }

        return SetAsync();

        async Task<AliasMove> SetAsync()
        {
            try
            {
                return await _store.SetAliasAsync(model, alias, version, by, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (ModelDockException e) when (e.Kind == ErrorKind.NotFound)
            {
                throw ModelDockException.InvalidInput($"version: {e.Message}");
            }
        }
    }

    public Task<AliasMove> RemoveAliasAsync(string model, string alias, string by, CancellationToken cancellationToken) =>
        _store.RemoveAliasAsync(model, alias, by, _time.GetUtcNow(), cancellationToken);

    /// <summary>Model and alias names travel in URLs, file names and metric labels: letters, digits, '_', '-', '.', not first.</summary>
    public static void CheckName(string name, string what)
    {
        if (name.Length is 0 or > MaxNameLength
            || !char.IsAsciiLetterOrDigit(name[0])
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw ModelDockException.InvalidInput(
                $"{what} name '{name}' must be 1 to {MaxNameLength} letters, digits, '_', '-' or '.', starting with a letter or digit");
        }
    }

    /// <summary>The config (defaults without a file) and its JSON text as stored with the version.</summary>
    private static (ModelConfig Config, string? Json) ReadConfig(string? configFile, string model)
    {
        if (configFile is null)
        {
            return (ModelConfig.Default, null);
        }

        var path = Path.GetFullPath(configFile);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ModelDockException.InvalidInput($"config file '{path}' cannot be read: {e.Message}");
        }

        try
        {
            var config = ModelConfigReader.Parse(path, text, model);
            // Stored as JSON whatever the file was, so serving parses one format.
            return (config, IsYaml(path) ? YamlToJson.Convert(text)?.ToJsonString() : text);
        }
        catch (ModelConfigException e)
        {
            throw ModelDockException.InvalidInput(e.Message);
        }
    }

    private ModelSignature ReadSignature(string file, ModelConfig config)
    {
        IModelBackend backend;
        try
        {
            backend = _loadBackend(file, config.Session);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw ModelDockException.InvalidInput($"'{file}' is not a model ONNX Runtime can load: {e.Message}");
        }

        using (backend)
        {
            try
            {
                return SignatureResolver.Resolve(backend.Signature, config);
            }
            catch (Exception e) when (e is InvalidDataException or ModelConfigException)
            {
                throw ModelDockException.InvalidInput($"'{file}' does not match its config: {e.Message}");
            }
        }
    }

    private static bool IsYaml(string path) =>
        Path.GetExtension(path).Equals(".yaml", StringComparison.OrdinalIgnoreCase) || Path.GetExtension(path).Equals(".yml", StringComparison.OrdinalIgnoreCase);
}
