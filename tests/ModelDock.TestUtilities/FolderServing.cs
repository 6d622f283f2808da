using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Serving;

namespace ModelDock.Testing;

/// <summary>
/// A repository folder served in process, as <c>AddModelRepository</c> composes it: the serving table, the folder
/// source feeding it and the data plane over it. Hosts can share one (<see cref="AddTo"/>), and tests reach all three.
/// </summary>
internal sealed class FolderServing : IAsyncDisposable
{
    public FolderServing(ModelRepositoryOptions options, ModelBackendLoader? loadBackend = null, TimeProvider? time = null, ILogger? logger = null)
    {
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        Table = new ServingTable(logger);
        Repository = new FolderModelSource(options, Table, logger, time, loadBackend);
        Inference = new InferenceService(Table, time);
    }

    public ServingTable Table { get; }

    public FolderModelSource Repository { get; }

    public InferenceService Inference { get; }

    public Task StartAsync() => Repository.StartAsync(CancellationToken.None);

    /// <summary>Makes a host serve these models instead of its own; the host does not dispose them.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(Table);
        services.AddSingleton<IInferenceService>(Inference);
        services.AddSingleton<IModelRepositoryControl>(Repository);
    }

    public async ValueTask DisposeAsync()
    {
        await Repository.DisposeAsync();
        await Table.DisposeAsync();
    }
}
