using ModelDock.Bench.Serving.Load;
using ModelDock.Bench.Serving.Servers;

namespace ModelDock.Bench.Serving;

/// <summary>One point's run: a target as the table names it, driven by one load generator at a given concurrency.</summary>
internal sealed record Measurement(string Target, string Config, string Generator, Func<int, Task<LoadResult>> RunAsync);

/// <summary>An endpoint of a server process, checked, with the request the load generators send it.</summary>
internal sealed record ServerEndpoint(string Target, string Config, HttpLoad Load);

/// <summary>
/// What a round starts and stops as a whole: one server process with every endpoint measured on it, or
/// a set of in-process targets. A round starts each group afresh, so one server runs at a time.
/// </summary>
internal sealed record TargetGroup(IReadOnlyList<int> Concurrency, Func<Task<StartedGroup>> StartAsync)
{
    /// <summary>A server process and the endpoints on it; each endpoint is checked before it is measured.</summary>
    public static TargetGroup Server(
        IReadOnlyList<int> concurrency,
        Func<Task<LoopbackServer>> start,
        Func<LoopbackServer, Task<IReadOnlyList<ServerEndpoint>>> endpoints,
        IReadOnlyList<ILoadGenerator> generators,
        TimeSpan warmUp,
        TimeSpan duration) =>
        new(concurrency, async () =>
        {
            var server = await start().ConfigureAwait(false);
            try
            {
                var measurements = new List<Measurement>();
                foreach (var (target, config, load) in await endpoints(server).ConfigureAwait(false))
                {
                    measurements.AddRange(generators.Where(g => g.CanDrive(load)).Select(g => new Measurement(target, config, g.Name, async connections =>
                    {
                        var result = await g.RunAsync(load, connections, warmUp, duration, server.Process).ConfigureAwait(false);
                        server.EnsureRunning();
                        return result;
                    })));
                }

                return new StartedGroup(measurements, [server]);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        });

    /// <summary>Targets called in this process by the in-process load generator.</summary>
    public static TargetGroup InProcess(
        IReadOnlyList<int> concurrency,
        string config,
        Func<Task<IReadOnlyList<IInProcessTarget>>> start,
        TimeSpan warmUp,
        TimeSpan duration) =>
        new(concurrency, async () =>
        {
            var targets = await start().ConfigureAwait(false);
            try
            {
                foreach (var target in targets)
                {
                    await target.VerifyAsync().ConfigureAwait(false);
                }

                return new StartedGroup(
                    [.. targets.Select(t => new Measurement(t.Name, config, InProcessLoadGenerator.Name, c => InProcessLoadGenerator.RunAsync(t, c, warmUp, duration)))],
                    targets);
            }
            catch
            {
                foreach (var target in targets)
                {
                    await target.DisposeAsync().ConfigureAwait(false);
                }

                throw;
            }
        });
}

/// <summary>A started group: its measurements, and what stops it.</summary>
internal sealed class StartedGroup(IReadOnlyList<Measurement> measurements, IReadOnlyList<IAsyncDisposable> owned) : IAsyncDisposable
{
    public IReadOnlyList<Measurement> Measurements => measurements;

    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync().ConfigureAwait(false);
        }
    }
}
