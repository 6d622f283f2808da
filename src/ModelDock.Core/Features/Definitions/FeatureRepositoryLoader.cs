namespace ModelDock.Features.Definitions;

/// <summary>
/// Loads a feature repository: every <c>*.yaml</c>/<c>*.yml</c> file directly in a folder, merged.
/// Reports every problem at once, each located at file:line:column.
/// </summary>
public static class FeatureRepositoryLoader
{
    public static FeatureRepositoryLoadResult Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var errors = new List<FeatureDefinitionError>();
        if (!Directory.Exists(folder))
        {
            errors.Add(new FeatureDefinitionError(folder, 1, 1, $"Feature repository folder '{folder}' does not exist."));
            return new FeatureRepositoryLoadResult(null, errors);
        }

        var files = Directory.EnumerateFiles(folder)
            .Where(f => Path.GetExtension(f).ToUpperInvariant() is ".YAML" or ".YML")
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            errors.Add(new FeatureDefinitionError(folder, 1, 1, $"Feature repository folder '{folder}' has no .yaml or .yml files."));
            return new FeatureRepositoryLoadResult(null, errors);
        }

        var drafts = new DefinitionDrafts();
        foreach (var file in files)
        {
            DefinitionFileReader.Read(file, file, drafts, errors);
        }

        var repository = new DefinitionLinker(drafts, errors).Link(Path.GetFullPath(folder));
        return errors.Count == 0
            ? new FeatureRepositoryLoadResult(repository, errors)
            : new FeatureRepositoryLoadResult(null, errors);
    }
}
