using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Registry;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// The definitions every verb but <c>apply</c> works on: the ones last applied to the data folder's registry, never
/// the YAML folder, so the CLI, training and a running server cannot disagree about them.
/// </summary>
internal static class FeaturesAppliedDefinitions
{
    /// <summary>
    /// The applied definitions; <see cref="ErrorKind.NotFound"/> before the first apply. When the folder they were
    /// applied from now holds different definitions, says so: the run uses the applied ones all the same.
    /// </summary>
    public static FeatureRepository Read(string dataDir)
    {
        var notApplied = ModelDockException.NotFound($"No feature definitions are applied in '{dataDir}'; run 'modeldock features apply DIR --data-dir {dataDir}' first.");
        if (!File.Exists(Path.Combine(dataDir, FeatureRegistry.DatabaseFileName)))
        {
            throw notApplied;
        }

        using var registry = new FeatureRegistry(dataDir, TimeProvider.System);
        var applied = registry.GetRepository() ?? throw notApplied;
        WarnIfFolderDiffers(registry, applied.Folder);
        return applied;
    }

    private static void WarnIfFolderDiffers(FeatureRegistry registry, string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        var loaded = FeatureRepositoryLoader.Load(folder);
        var pending = loaded.Repository is { } repository ? registry.Plan(repository).Changes.Select(c => c.ToString()).ToList() : null;
        if (pending is { Count: 0 })
        {
            return;
        }

        var what = pending is null ? "definitions with errors" : $"changes not applied ({string.Join("; ", pending)})";
        AnsiConsole.MarkupLineInterpolated(
            $"[yellow]note:[/] '{folder}' has {what}; using the definitions as last applied. Run 'modeldock features apply {folder}' to use the folder's.");
    }
}
