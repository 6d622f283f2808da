using System.Diagnostics;
using System.Reflection;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>Starts a comparison server as a <c>serve-target</c> child process of this benchmark's own executable.</summary>
internal static class TargetProcesses
{
    /// <param name="kind">One of <see cref="ServeTargetCommand.Kinds"/>.</param>
    public static Task<LoopbackServer> StartAsync(string name, string kind, BenchModel model)
    {
        var start = SelfStartInfo();
        foreach (var argument in new[] { ServeTargetCommand.Verb, kind, "--model", model.Label, "--port", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        return LoopbackServer.StartAsync(name, start, async (server, cancellationToken) =>
        {
            var line = await server.WaitForLineAsync(l => l.StartsWith(TargetHost.ReadyPrefix, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            var address = new Uri($"http://127.0.0.1:{TargetHost.ParsePort(line)}/");
            return (address, address);
        });
    }

    /// <summary>
    /// This program again: its apphost, or <c>dotnet</c> with its assembly when it was started as
    /// <c>dotnet ModelDock.Bench.dll</c>.
    /// </summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's executable path is unknown.");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        return start;
    }
}
