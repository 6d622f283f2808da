using System.Diagnostics;

namespace ModelDock.Bench.Serving.Load;

/// <summary>
/// An external load generator process driving one server process closed loop: C connections with one
/// request in flight each, a warm-up that is not measured, then a fixed window.
/// </summary>
internal interface ILoadGenerator
{
    /// <summary>Its name in the results table: <c>h2load</c> or <c>wrk</c>.</summary>
    string Name { get; }

    /// <summary>False for a load this generator cannot send, e.g. HTTP/2 for wrk.</summary>
    bool CanDrive(HttpLoad load);

    /// <param name="server">The server's process, whose CPU time and memory are read over the window.</param>
    Task<LoadResult> RunAsync(HttpLoad load, int connections, TimeSpan warmUp, TimeSpan duration, Process server);
}
