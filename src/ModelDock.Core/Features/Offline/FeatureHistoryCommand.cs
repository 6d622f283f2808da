using ModelDock.Errors;
using ModelDock.Features.Registry;

namespace ModelDock.Features.Offline;

/// <summary>
/// <c>modeldock features history</c>: joins a service's (or listed) features onto entity rows and writes a
/// training file. Definitions come from the registry, so a pinned service version reads exactly the view
/// versions it was applied with.
/// </summary>
internal sealed class FeatureHistoryCommand(TimeProvider timeProvider)
{
    /// <summary>Returns the number of rows written.</summary>
    public Task<long> RunAsync(
        FeatureHistoryArguments arguments, IProgress<RetrievalProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if ((arguments.Service is null) == (arguments.Features.Count == 0))
        {
            throw ModelDockException.InvalidInput("Give either --service NAME[:VERSION] or --features view:feature,... (exactly one).");
        }

        return Task.Run(
            () =>
            {
                using var registry = new FeatureRegistry(arguments.DataDir, timeProvider);
                HistoricalFeatureRequest request;
                if (arguments.Service is { } service)
                {
                    var versioned = registry.GetFeatureService(service);
                    request = new HistoricalFeatureRequest(versioned.Repository, versioned.Service.Features, arguments.FullFeatureNames);
                }
                else
                {
                    var repository = registry.GetRepository()
                        ?? throw ModelDockException.NotFound($"No feature definitions are applied in '{arguments.DataDir}'; run 'modeldock features apply DIR' first.");
                    request = new HistoricalFeatureRequest(repository, repository.ResolveFeatures(arguments.Features), arguments.FullFeatureNames);
                }

                var store = new OfflineStore(arguments.DataDir);
                return store.ExportHistoricalFeatures(
                    EntityTable.FromFile(arguments.EntitiesPath), request, arguments.OutputPath, progress, cancellationToken);
            },
            cancellationToken);
    }
}
