using System.Globalization;
using ModelDock.Errors;

namespace ModelDock.Serving;

/// <summary>
/// Triton's repository and statistics extensions when no repository folder is served (only the registry's endpoints):
/// the index and the statistics describe what the serving table holds; load and unload have no folder to act on.
/// </summary>
internal sealed class TableRepositoryControl(ServingTable table) : IModelRepositoryControl
{
    public IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly) =>
        [.. table.Models.OrderBy(m => m.Key, StringComparer.Ordinal)
            .SelectMany(m => m.Value.Versions.Select(v => new RepositoryIndexEntry(m.Key, v.Key.ToString(CultureInfo.InvariantCulture), v.Value.State, v.Value.Reason)))
            .Where(e => !readyOnly || e.State == VersionStatus.Ready)];

    public Task LoadModelAsync(string model, CancellationToken cancellationToken) => throw NoFolder();

    public Task UnloadModelAsync(string model, CancellationToken cancellationToken) => throw NoFolder();

    public IReadOnlyList<ModelStatistics> GetStatistics(string? model, string? version) =>
        [.. table.Models.Where(m => model is null || m.Key == model).OrderBy(m => m.Key, StringComparer.Ordinal)
            .SelectMany(m => m.Value.Serving.Where(v => version is null || v.Value.VersionText == version)
                .Select(v => v.Value.Statistics.Snapshot(m.Key, v.Value.VersionText)))];

    private static ModelDockException NoFolder() =>
        ModelDockException.NotFound("this server serves no model repository folder; change what it serves with 'modeldock endpoints'");
}
